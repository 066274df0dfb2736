//! Table definitions shared by both engines. Only types both support: Text (UUIDs and
//! enum codes), Binary, Bool, BigInt, Timestamp.

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        disabled -> Bool,
        totp_secret -> Nullable<Binary>,
        totp_enabled -> Bool,
        totp_last_step -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        token_hash -> Binary,
        user_id -> Text,
        second_factor -> Bool,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    role_policies (role) {
        role -> Text,
        totp_required -> Bool,
    }
}

diesel::table! {
    audit_head (id) {
        id -> BigInt,
        size -> BigInt,
        frontier -> Nullable<Binary>,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        at -> Timestamp,
        actor_user_id -> Nullable<Text>,
        actor_session_id -> Nullable<Text>,
        action -> Text,
        target_type -> Nullable<Text>,
        target_id -> Nullable<Text>,
        outcome -> Text,
        details -> Text,
        leaf_hash -> Nullable<Binary>,
    }
}

diesel::joinable!(sessions -> users (user_id));

diesel::table! {
    keyring_meta (id) {
        id -> BigInt,
        root_source -> Text,
        key_check -> Binary,
        primary_version -> BigInt,
        primary_mac -> Binary,
        kdf_params -> Nullable<Text>,
        share_threshold -> Nullable<Integer>,
        share_count -> Nullable<Integer>,
        generation -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    keyring_keys (kind, version) {
        kind -> Text,
        version -> BigInt,
        wrapped -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    data_keys (record_table, record_id) {
        record_table -> Text,
        record_id -> Text,
        kek_version -> BigInt,
        wrapped -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_nodes (level, idx) {
        level -> BigInt,
        idx -> BigInt,
        hash -> Binary,
    }
}

diesel::table! {
    audit_checkpoints (size) {
        size -> BigInt,
        root -> Binary,
        note -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_signer (id) {
        id -> BigInt,
        origin -> Text,
        verifier_key -> Text,
        sealed_seed -> Binary,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    users,
    sessions,
    role_policies,
    audit_head,
    audit_log,
    keyring_meta,
    keyring_keys,
    data_keys,
    audit_nodes,
    audit_checkpoints,
    audit_signer,
);

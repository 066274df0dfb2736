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
diesel::joinable!(bundle_claims -> bundles (bundle_id));

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

diesel::table! {
    vocabulary_terms (vocabulary, code) {
        vocabulary -> Text,
        code -> Text,
        label_en -> Text,
        label_ru -> Text,
        builtin -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    cases (id) {
        id -> Text,
        reference -> Text,
        status -> Text,
        content -> Binary,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    case_members (case_id, user_id) {
        case_id -> Text,
        user_id -> Text,
        role -> Text,
        added_at -> Timestamp,
    }
}

diesel::table! {
    persons (id) {
        id -> Text,
        case_id -> Text,
        kind -> Text,
        pseudonym -> Text,
        sex -> Text,
        unit_id -> Nullable<Text>,
        identity -> Binary,
        contact -> Nullable<Binary>,
        details -> Binary,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    units (id) {
        id -> Text,
        case_id -> Text,
        parent_id -> Nullable<Text>,
        details -> Binary,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    unit_commanders (id) {
        id -> Text,
        unit_id -> Text,
        person_id -> Text,
        from_date -> Nullable<Text>,
        to_date -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    places (id) {
        id -> Text,
        case_id -> Text,
        place_type -> Text,
        details -> Binary,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    incidents (id) {
        id -> Text,
        case_id -> Text,
        act_type -> Text,
        methods -> Text,
        start_date -> Nullable<Text>,
        start_precision -> Text,
        end_date -> Nullable<Text>,
        end_precision -> Text,
        place_id -> Nullable<Text>,
        details -> Binary,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    incident_victims (incident_id, person_id) {
        incident_id -> Text,
        person_id -> Text,
    }
}

diesel::table! {
    testimonies (id) {
        id -> Text,
        case_id -> Text,
        root_id -> Text,
        version -> Integer,
        status -> Text,
        witness_id -> Text,
        author_id -> Text,
        interview_date -> Nullable<Text>,
        languages -> Text,
        source_connection -> Text,
        reliability -> Text,
        content -> Binary,
        consent -> Binary,
        digest -> Nullable<Text>,
        sealed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    testimony_incidents (testimony_root_id, incident_id) {
        testimony_root_id -> Text,
        incident_id -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    involvements (id) {
        id -> Text,
        incident_id -> Text,
        person_id -> Nullable<Text>,
        unit_id -> Nullable<Text>,
        role -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    involvement_evidence (involvement_id, testimony_root_id) {
        involvement_id -> Text,
        testimony_root_id -> Text,
        stance -> Text,
    }
}

diesel::table! {
    attachments (id) {
        id -> Text,
        case_id -> Text,
        testimony_id -> Nullable<Text>,
        incident_id -> Nullable<Text>,
        blob_id -> Text,
        media_type -> Text,
        size -> BigInt,
        meta -> Binary,
        uploaded_by -> Text,
        created_at -> Timestamp,
        evaluation_id -> Nullable<Text>,
    }
}

// SQLite only: the rowids of records in the FTS5 blind index `search_fts` (a virtual
// table, reached by SQL). PostgreSQL keeps its postings in `search_postings`, also by SQL.
diesel::table! {
    search_records (n) {
        n -> BigInt,
        record_table -> Text,
        record_id -> Text,
        case_id -> Text,
        build -> BigInt,
    }
}

diesel::table! {
    search_digests (record_table, record_id, build) {
        record_table -> Text,
        record_id -> Text,
        digests -> Binary,
        build -> BigInt,
    }
}

diesel::table! {
    search_meta (id) {
        id -> BigInt,
        generation -> BigInt,
        build -> BigInt,
    }
}

diesel::table! {
    search_rebuild (id) {
        id -> BigInt,
        build -> BigInt,
        generation -> BigInt,
        new_key -> Bool,
        phase -> Text,
        after_id -> Text,
        testimonies -> BigInt,
        persons -> BigInt,
        started_at -> Timestamp,
    }
}

diesel::table! {
    search_queries (id) {
        id -> Text,
        terms -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    export_signer (id) {
        id -> BigInt,
        public_key -> Text,
        sealed_secret -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    bundles (id) {
        id -> Text,
        case_id -> Text,
        requested_by -> Text,
        recipient -> Text,
        status -> Text,
        progress -> Integer,
        request -> Binary,
        encrypted_to_recipient -> Bool,
        blob_id -> Nullable<Text>,
        size -> Nullable<BigInt>,
        manifest_sha256 -> Nullable<Text>,
        archive_sha256 -> Nullable<Text>,
        error -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    bundle_claims (bundle_id) {
        bundle_id -> Text,
        claimed_by -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        attempts -> Integer,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Text,
        subject -> Binary,
        failed_at -> Timestamp,
    }
}

diesel::table! {
    auth_epoch (id) {
        id -> BigInt,
        epoch -> BigInt,
    }
}

diesel::table! {
    cluster_seal (id) {
        id -> BigInt,
        epoch -> BigInt,
        standing -> Bool,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    pseudonym_counters (case_id, prefix) {
        case_id -> Text,
        prefix -> Text,
        last -> BigInt,
    }
}

// Records courts ask for (migration 000013).

diesel::table! {
    evaluations (id) {
        id -> Text,
        case_id -> Text,
        root_id -> Text,
        version -> Integer,
        status -> Text,
        person_id -> Text,
        kind -> Text,
        clinician_id -> Text,
        examined_on -> Nullable<Text>,
        content -> Binary,
        digest -> Nullable<Text>,
        sealed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    evaluation_incidents (evaluation_root_id, incident_id) {
        evaluation_root_id -> Text,
        incident_id -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    detention_episodes (id) {
        id -> Text,
        case_id -> Text,
        person_id -> Text,
        arrest_date -> Nullable<Text>,
        arrest_precision -> Text,
        arrest_place_id -> Nullable<Text>,
        arrest_unit_id -> Nullable<Text>,
        release_date -> Nullable<Text>,
        release_precision -> Text,
        status -> Text,
        sentence_kind -> Nullable<Text>,
        details -> Binary,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    custody_periods (id) {
        id -> Text,
        episode_id -> Text,
        place_id -> Text,
        facility_type -> Text,
        from_date -> Nullable<Text>,
        from_precision -> Text,
        to_date -> Nullable<Text>,
        to_precision -> Text,
        details -> Binary,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    charges (id) {
        id -> Text,
        episode_id -> Text,
        law_code -> Text,
        filed_on -> Nullable<Text>,
        details -> Binary,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    hearings (id) {
        id -> Text,
        episode_id -> Text,
        court_place_id -> Nullable<Text>,
        judge_person_id -> Nullable<Text>,
        held_on -> Nullable<Text>,
        held_precision -> Text,
        outcome -> Text,
        details -> Binary,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    detention_incidents (episode_id, incident_id) {
        episode_id -> Text,
        incident_id -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    consent_entries (id) {
        id -> Text,
        case_id -> Text,
        person_id -> Text,
        purpose -> Text,
        recipient -> Text,
        decision -> Text,
        decided_on -> Text,
        language -> Text,
        how_given -> Text,
        details -> Binary,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    care_preferences (person_id) {
        person_id -> Text,
        case_id -> Text,
        feedback_due -> Nullable<Text>,
        details -> Binary,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    feedback_given (id) {
        id -> Text,
        case_id -> Text,
        person_id -> Text,
        given_on -> Text,
        details -> Binary,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    referrals (id) {
        id -> Text,
        case_id -> Text,
        person_id -> Text,
        kind -> Text,
        made_on -> Text,
        status -> Text,
        follow_up_on -> Nullable<Text>,
        details -> Binary,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    evidence_items (item_kind, item_id) {
        case_id -> Text,
        item_kind -> Text,
        item_id -> Text,
        first_page -> BigInt,
        last_page -> BigInt,
        confidentiality -> Nullable<Text>,
        assigned_at -> Timestamp,
    }
}

diesel::table! {
    item_relations (item_kind, item_id) {
        item_kind -> Text,
        item_id -> Text,
        case_id -> Text,
        relation -> Text,
        original_kind -> Text,
        original_id -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(custody_periods -> detention_episodes (episode_id));
diesel::joinable!(charges -> detention_episodes (episode_id));
diesel::joinable!(hearings -> detention_episodes (episode_id));
diesel::joinable!(detention_incidents -> detention_episodes (episode_id));
diesel::joinable!(evaluation_incidents -> incidents (incident_id));

diesel::joinable!(case_members -> cases (case_id));
diesel::joinable!(involvements -> incidents (incident_id));
diesel::joinable!(testimony_incidents -> incidents (incident_id));

diesel::table! {
    intake_devices (user_id) {
        user_id -> Text,
        case_id -> Text,
        label -> Binary,
        created_by -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        last_seen_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    intake_forms (id) {
        id -> Text,
        case_id -> Text,
        form_id -> Text,
        version -> Text,
        encrypted -> Bool,
        xform -> Binary,
        created_by -> Text,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    intake_keys (case_id) {
        case_id -> Text,
        public_key -> Text,
        private_key -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    intake_submissions (id) {
        id -> Text,
        case_id -> Text,
        device_id -> Text,
        channel -> Text,
        instance_key -> Binary,
        form_id -> Nullable<Text>,
        status -> Text,
        content -> Nullable<Binary>,
        received_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision -> Nullable<Binary>,
        testimony_id -> Nullable<Text>,
    }
}

diesel::table! {
    intake_files (id) {
        id -> Text,
        submission_id -> Text,
        name_key -> Binary,
        media_type -> Text,
        status -> Text,
        declared_size -> Nullable<BigInt>,
        received_size -> BigInt,
        size -> Nullable<BigInt>,
        blob_id -> Nullable<Text>,
        meta -> Binary,
        created_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    intake_chunks (file_id, start_at) {
        file_id -> Text,
        start_at -> BigInt,
        length -> BigInt,
        blob_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(intake_files -> intake_submissions (submission_id));
diesel::joinable!(intake_chunks -> intake_files (file_id));

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
    vocabulary_terms,
    cases,
    case_members,
    persons,
    pseudonym_counters,
    units,
    unit_commanders,
    places,
    incidents,
    incident_victims,
    testimonies,
    testimony_incidents,
    involvements,
    involvement_evidence,
    attachments,
    search_records,
    search_digests,
    search_meta,
    search_rebuild,
    search_queries,
    export_signer,
    bundles,
    bundle_claims,
    login_failures,
    auth_epoch,
    cluster_seal,
    imports,
    import_keys,
    evaluations,
    evaluation_incidents,
    detention_episodes,
    custody_periods,
    charges,
    hearings,
    detention_incidents,
    consent_entries,
    care_preferences,
    feedback_given,
    referrals,
    evidence_items,
    item_relations,
    intake_devices,
    intake_forms,
    intake_keys,
    intake_submissions,
    intake_files,
    intake_chunks,
);

diesel::table! {
    imports (id) {
        id -> Text,
        case_id -> Text,
        created_by -> Text,
        status -> Text,
        blob_id -> Text,
        file_size -> BigInt,
        file_sha256 -> Text,
        source -> Binary,
        plan -> Binary,
        digest -> Text,
        case_state -> Text,
        phase -> BigInt,
        done -> BigInt,
        error -> Nullable<Text>,
        created_at -> Timestamp,
        applied_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    import_keys (case_id, kind, key_digest) {
        case_id -> Text,
        kind -> Text,
        key_digest -> Binary,
        record_id -> Text,
        values_digest -> Binary,
        import_id -> Text,
        updated_at -> Timestamp,
    }
}

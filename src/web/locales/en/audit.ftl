# The auditor's screens: the log, one entry with its proof, a record's chain of custody.
audit-title = Audit log
audit-lead = Every read, change, export and key operation, newest first. Entries hold ids and codes, never content. Your reading is recorded too.
audit-filters = Filter the log
audit-actor = Actor
audit-actor-hint = A username or a user id. Select an actor in the list to see only their entries.
audit-actor-filter = Show only this actor's entries
audit-actor-none = system
audit-action = Action
audit-action-hint = A code such as login_failed, case.member_add or key.rotate.
audit-target-type = Record type
audit-target-type-hint = Such as case, testimony, user or bundle.
audit-target-id = Record id
audit-target = Record
audit-from = From (day)
audit-to = To (day, included)
audit-filter = Show
audit-filter-clear = Clear the filters
audit-count =
    { $total ->
        [one] { $total } matching entry.
       *[other] { $total } matching entries.
    }
audit-none = No entries match.
audit-seq = No.
audit-time = Time
audit-outcome = Outcome
audit-outcome-success = success
audit-outcome-denied = denied
audit-outcome-failure = failed
audit-session = Session
audit-details = Details
audit-entry-link = Entry { $seq } and its proof
audit-custody-link = Chain of custody
audit-custody-title = Chain of custody
audit-custody-none = No entry of the log names this record.
audit-custody-verified =
    { $count ->
        [one] The entry is proved to be in the signed log.
       *[other] Each of the { $count } entries is proved to be in the signed log.
    }
audit-custody-failed =
    { $count ->
        [one] { $count } entry could not be proved to be in the signed log. Report this at once.
       *[other] { $count } entries could not be proved to be in the signed log. Report this at once.
    }
audit-proof = Proof
audit-proof-ok = verified
audit-proof-bad = does not verify
audit-entry-title = Audit entry
audit-entry-heading = Entry { $seq }
audit-entry-verified =
    { $size ->
        [one] This entry is proved to be in the signed log of { $size } entry.
       *[other] This entry is proved to be in the signed log of { $size } entries.
    }
audit-entry-not-verified = This entry could not be proved to be in the signed log. Report this at once.
audit-proof-title = Inclusion proof
audit-proof-about = Anyone holding the log's public key can check this entry without trusting this server: recompute the leaf hash from the canonical text, follow the path to the root, and check the checkpoint's signature.
audit-check-pass = pass
audit-check-fail = fail
audit-check-signature = The checkpoint is signed by the log's key.
audit-check-leaf = The leaf hash matches the entry.
audit-check-inclusion = The path leads from the leaf to the signed root.
audit-leaf-index = Leaf index
audit-leaf-hash = Leaf hash
audit-canonical = Canonical text (hashed into the leaf)
audit-inclusion-path = Path to the root
audit-inclusion-empty = The log has one entry: its leaf is the root.
audit-checkpoint-title = Signed checkpoint
audit-checkpoint-about = Checked here with the key this server holds. To check independently, compare the key with the one your organisation published (custodia audit pubkey) and keep a copy of the checkpoint: a later one must extend it.
audit-tree-size = Entries in the log
audit-root = Root hash
audit-verifier-key = Public key of the log
audit-note = Signed note
error-before-from = The last day is before the first.
audit-any-action = Any action
audit-any-target-type = Any type
audit-hide-reads = Hide page views
audit-hide-reads-hint = Leaves out entries that only record a reading, to show the changes.

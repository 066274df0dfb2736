# The lawyer's export of evidence bundles.
export-title = Export evidence
export-intro = An evidence bundle is a signed, self-checking package (BagIt) of the accounts, incidents, perpetrators and their chain of custody, made for one kind of recipient. Only accounts whose witness agreed to that recipient go in; witnesses appear by pseudonym unless they agreed to be named.
export-recipient = Recipient
export-recipient-category = Who will receive it
export-age = Encrypt to the recipient
export-age-hint = Optional: the recipient's age public key (starts with age1). The bundle can then be opened only with their key.
export-selection = What to include
export-whole-case = The whole case
export-chosen = Only the accounts ticked below (and the incidents they describe)
export-annex = Add an analysis annex
export-annex-hint = The corroboration table, timeline, pattern counts, chain of command and map of exactly what the bundle holds, as tables (CSV) and pictures (SVG), with a note on how each was made. It is your organisation's analysis, not evidence: leave it out when the recipient wants the evidence alone.
export-preview = Show what will be withheld
export-preview-title = Before you export
export-preview-summary =
    { $exported ->
        [one] { $exported } account will go
       *[other] { $exported } accounts will go
    }, { $withheld } will be withheld; { $incidents ->
        [one] { $incidents } incident
       *[other] { $incidents } incidents
    } and { $perpetrators ->
        [one] { $perpetrators } perpetrator
       *[other] { $perpetrators } perpetrators
    } are included.
export-preview-nothing = No account can go to this recipient: consent withholds all { $withheld }. The incidents and perpetrators drawn from them stay behind too, so nothing of this case would be exported.
export-will-go = Accounts included
export-withheld = Accounts withheld
export-named = named, as the witness agreed
export-pseudonymous = by pseudonym only
withheld-not-sealed = not sealed yet
withheld-consent-withdrawn = the witness withdrew consent
withheld-consent-does-not-cover-recipient = the witness did not agree to this recipient
withheld-consent-withdrawn-for-recipient = the witness withdrew consent for this recipient (consent ledger)
withheld-consent-refused-for-recipient = the witness refused this recipient (consent ledger)
export-confirm = Confirm it is you
export-confirm-hint = Exports are audited and need your password again (and a fresh one-time code if you use an authenticator app).
export-button = Export
bundles-title = Bundles of this case
bundle-title = Evidence bundle
bundle-made = Made
bundle-status = Status
bundle-status-queued = Waiting to start
bundle-status-building = Being built
bundle-status-ready = Ready to download
bundle-status-failed = Failed
bundle-status-deleted = Delivered and deleted
bundle-progress = Progress
bundle-building = Being built: { $pct }%. This page refreshes itself.
refresh = Refresh
bundle-failed = The bundle could not be built. Nothing was left behind; the reason is in the audit log. Try again, or tell your administrator.
bundle-encrypted = Yes, with age
bundle-size = Size
bundle-manifest = SHA-256 of the manifest
bundle-archive = SHA-256 of the file
bundle-download = Download the bundle
bundle-delete = Delete it from the server
bundle-delete-hint = Once the recipient has it, delete the server's copy. The record of the export stays in the audit log.
verify-title = How the recipient checks it
verify-intro = Send the recipient these steps. Nothing in them needs our server or trust in it: standard tools check that the bundle is complete, unaltered and signed by your organisation.
verify-key-channel = The recipient needs your organisation's public key from a channel other than the one carrying the bundle: publish it on your website, print it in a letter, or read its key id over the phone (the command custodia bundle pubkey prints it; so does this link):
verify-key-inside = The bundle carries a copy of the key (export-key.pub), but a key that travels with the bundle proves nothing: whoever could alter the bundle could replace it too. The recipient compares it with the key they obtained separately.
verify-folder = They save the key as export.pub in the folder where they downloaded the bundle, and run each command there, as written:
verify-age = Decrypt it with their own age key (the file holding the key whose age1… public part you encrypted to):
verify-unpack = Unpack it:
verify-minisign = Check the signature with the organisation's public key; it must say "Signature and comment signature verified":
verify-public-key = Your organisation's public key (export.pub)
verify-bagit = Check the bag (completeness, manifests, Payload-Oxum) with the Library of Congress validator:
verify-manifests = Check every file against the signed manifests (every line must end in OK):
verify-custodia = Or run every check, and the chain-of-custody proofs, with Custodia's verifier (it needs no server, configuration or database):
error-wrong-password = The password is not right.
error-totp = Enter a current one-time code from your authenticator app.
error-insufficient-storage = The server has not enough free space for this bundle. Export fewer accounts or ask your administrator.
error-not-in-case = Only records of this case can be exported here.
error-too-many = Too many records chosen.
error-invalid-age-recipient = This is not an age public key (it starts with age1).

# The case lead's import of records from a spreadsheet or another system's export.
imports-title = Import records
imports-intro = Bring records kept elsewhere into this case: a spreadsheet (CSV, XLSX, ODS), or a ZIP of CSV files with the files they name. The mapping says which column becomes which field of which record. Planning reads and checks every row and writes nothing; you then see what would change, and apply it.
import-back-to-case = Back to the case
import-mapping = Mapping (TOML)
import-mapping-hint = Leave it empty for a file exported by Custodia, which carries its own. Otherwise: which sheet and column becomes which field, how values map to the vocabularies, and which column is each record's stable id. The format, with a worked example for each kind of source, is described in the installation's documentation:
import-file = File
import-file-hint = CSV, XLSX or ODS, or a ZIP holding CSV files and the attachments they name. It is stored encrypted with the import, as the source of the imported records.
import-plan-button = Plan the import
imports-done-title = Imports of this case
imports-none = Nothing has been imported into this case yet.
import-title = Import plan
import-planned = Planned
import-applied = Applied
import-filename = File name
import-size = Size
import-sha256 = SHA-256 of the file
import-digest = Plan digest
import-status = Status
import-rows = Rows
import-status-planned = Planned: ready to apply
import-status-refused = Refused
import-status-applying = Being applied, or stopped part way
import-status-applied = Applied
import-status-failed = Stopped on an error
import-problems-n = { $n ->
    [one] one problem
   *[other] { $n } problems
}
import-refused = This plan found { $n ->
    [one] a problem
   *[other] { $n } problems
}, listed below. Nothing can be applied until the file or the mapping is fixed: correct them and plan again.
import-plan-again = Plan again
import-applied-notice = This plan has been applied.
import-stopped = Applying stopped part way (step { $phase }, { $done } records done in it). Apply again to resume: nothing done is done twice.
import-apply-hint = Applying writes exactly the records below, in batches that each commit whole. A sealed testimony whose account changed gets a new version (reason: import); nothing is overwritten.
import-apply-button = Apply this plan
import-resume-button = Resume applying
import-conflict-case-changed = The case changed since this plan was made, so it was not applied. Plan the import again.
import-conflict-digest = This plan is not the one shown when the page was opened. Nothing was applied: look at the plan again before applying it.
import-conflict-issues = This plan has problems and cannot be applied: fix the file or the mapping and plan again.
import-conflict-applied = This plan has already been applied.
import-counts-title = What applying would do
import-nothing = The file holds no records to import.
import-kind = Record
import-action = Change
import-action-create = Create
import-action-update = Update
import-action-correct = Correct (new version)
import-action-unchanged = Unchanged
import-kind-unit = Units
import-kind-place = Places
import-kind-person = Persons
import-kind-incident = Incidents
import-kind-testimony = Testimonies
import-kind-involvement = Involvements
import-kind-attachment = Attachments
import-issues-title = Problems
import-sheet = Sheet
import-row = Row
import-column = Column
import-problem = Problem
import-value = Value not found
import-whole-file = the file
import-steps-title = Records
import-external-id = External id
import-new-records = New records
import-updated-records = Updated
import-unchanged-records = Unchanged

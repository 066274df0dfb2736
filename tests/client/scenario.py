"""A first day with a client generated from /api/v1/openapi.json by openapi-python-client:
log in, open cases and page through them, record a witness and a testimony, seal it,
find it by a word, and check that the audit log only grew. Run by tests/api/client.rs
with the generated package on sys.path and CUSTODIA_URL, CUSTODIA_USER and
CUSTODIA_PASSWORD set; any failure is an assertion or an exception (exit status 1)."""
import os
import sys
import uuid

from custodia_client import AuthenticatedClient, Client
from custodia_client.api.audit import get_audit_checkpoint, get_audit_consistency_proof
from custodia_client.api.auth import log_in
from custodia_client.api.cases import create_case, list_cases
from custodia_client.api.records import create_person
from custodia_client.api.search import search
from custodia_client.api.testimonies import create_testimony, get_testimony, seal_testimony
from custodia_client.models import (
    CaseView, Consent, HowGiven, LoginRequest, NewCase, NewPerson, PersonKind, Problem, SearchKind,
    SearchRequest, ShareWith, TestimonyInput,
)

base, user, password = os.environ["CUSTODIA_URL"], os.environ["CUSTODIA_USER"], os.environ["CUSTODIA_PASSWORD"]


def ok(response, status):
    """The parsed answer of a call that must succeed with `status`."""
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert not isinstance(response.parsed, Problem), response.parsed
    return response.parsed


session = ok(log_in.sync_detailed(client=Client(base_url=base), body=LoginRequest(username=user, password=password)), 200)
api = AuthenticatedClient(base_url=base, token=session.token)

# A wrong password is a problem document the client understands.
refused = log_in.sync_detailed(client=Client(base_url=base), body=LoginRequest(username=user, password="not it at all"))
assert refused.status_code == 401 and isinstance(refused.parsed, Problem), refused.content

run = uuid.uuid4().hex[:6].upper()
references = {f"GEN-{run}-{n}" for n in range(5)}
cases = [ok(create_case.sync_detailed(client=api, body=NewCase(reference=r, title="Generated client")), 201)
         for r in sorted(references)]

# Page through the cases two at a time, as a client loop would.
seen, offset = [], 0
while True:
    page = ok(list_cases.sync_detailed(client=api, limit=2, offset=offset), 200)
    assert page.limit == 2 and page.offset == offset and len(page.items) <= 2
    assert all(isinstance(item, CaseView) for item in page.items), page.items
    seen += [item.reference for item in page.items]
    offset += len(page.items)
    if not page.items or offset >= page.total:
        break
assert references <= set(seen), (references, seen)
assert len(seen) == len(set(seen)) == page.total

case_id = cases[0].id
witness = ok(create_person.sync_detailed(case_id, client=api, body=NewPerson(kind=PersonKind.WITNESS, names=["Generated Witness"])), 201)
consent = Consent(share_with=ShareWith(prosecutors=True), may_be_named=False, given_on="2026-01-15",
                  how_given=HowGiven.WRITTEN, text_version="1")
draft = ok(create_testimony.sync_detailed(case_id, client=api, body=TestimonyInput(
    witness_id=witness.id, source_connection="victim", consent=consent,
    account="They kept me in the basement of the district station for three days.")), 201)
sealed = ok(seal_testimony.sync_detailed(draft.id, client=api), 200)
assert sealed.status.value == "sealed" and sealed.digest, sealed
again = ok(get_testimony.sync_detailed(draft.id, client=api), 200)
assert again.account.startswith("They kept me"), again

hits = ok(search.sync_detailed(client=api, body=SearchRequest(q="basement", kind=SearchKind.TESTIMONIES, case_id=case_id)), 200)
assert hits.total >= 1, hits

# Query parameters reach the service as query parameters.
head = ok(get_audit_checkpoint.sync_detailed(client=api), 200)
size = head.checkpoint.size
proof = ok(get_audit_consistency_proof.sync_detailed(client=api, from_=1, to=size), 200)
assert proof.from_ == 1 and proof.to == size, proof
print(f"generated client: {len(seen)} cases paged, testimony sealed, {hits.total} hit(s), proof 1..{size}")
sys.exit(0)

"""The names of the sync settings kept in the vault (``local_setting``)."""

CURSOR_KEY = "sync.cursor"
CASES_KEY = "sync.cases"
#: Cases whose first pull began but has not ended (a sync killed half-way): if their assignment
#: ends before they were pulled whole, what arrived of them must still leave the laptop.
PARTIAL_KEY = "sync.partial_cases"
#: Rows received from the store with values this version cannot store (``state.quarantined``).
QUARANTINE_KEY = "sync.quarantine"
URL_KEY = "sync.url"
TOKEN_KEY = "sync.token"  # noqa: S105 - the setting's name, not a secret
DEVICE_KEY = "sync.device_id"
#: A CA bundle (PEM) to trust for the store's certificate, e.g. the municipality's own PKI;
#: without it the system's certificate store is used.
CA_FILE_KEY = "sync.ca_file"
LAST_SUCCESS_KEY = "sync.last_success"
LAST_ERROR_KEY = "sync.last_error"
#: Colleagues' display names by username, from the store (``/v1/names``).
NAMES_KEY = "sync.names"
#: Labels ("2026-00012 · Mia Jensen") of cases removed from the laptop while changes of theirs
#: still waited in the outbox; the sync panel names the case of a refused change by it.
CASE_LABELS_KEY = "sync.case_labels"

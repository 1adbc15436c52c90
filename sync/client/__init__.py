"""The desktop's side of sync: push the outbox, pull what changed, in the background.

- Push sends the outbox (``ChangeEntry``, written in the same transaction as each change) in
  batches. An entry leaves the outbox only on the server's answer: applied, no-op and conflict
  remove it; rejected keeps it (with the user's values) out of later pushes until the user
  retries or discards it, so one bad record never blocks the rest.
- Pull fetches pages of rows changed since the last sequence number. Each page and the new
  cursor are applied in one local transaction, so a pull killed half-way resumes where the last
  committed page ended. A row is only overwritten by a newer revision, and fields with a change
  still waiting in the outbox keep the local value.
- A case the server no longer gives this user is removed from the laptop (after its outbox was
  pushed); a device the server has revoked has its vault wiped (``enrolment.wipe_profile``).

The modules, each importing only those listed after it:

- ``replication``: one sync run (``SyncClient``): push, then pull, and the store's answers recorded;
- ``state``: what the sync panel shows and what the caseworker decides there (status, refused
  changes, conflicts, quarantined rows, names), read and written in the vault only;
- ``enrolment``: signing this laptop in to the store, its connection, wiping a revoked device;
- ``writer``: the raw writer that stores pulled rows in the vault and removes a case;
- ``wire``: rows and outbox entries as JSON, and received values checked and converted for SQLite;
- ``transport``: JSON over HTTP(S) to the store, its failures mapped to ``sync.errors``;
- ``keys``: the names of the vault's sync settings."""

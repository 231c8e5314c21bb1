"""The parts of the store's transaction (``cta.adapters.storage.store.SqlTransaction``), one
module per what they store.

=================  ===========================================================================
``base``           the connection, statements built once, column conversions, DuplicateError
``check_reads``    the border check's prepared reads: a document's owner and history, the
                   alert watermark, the data heads
``persons``        persons, documents, crossings and refusals
``permits``        visas and travel authorisations
``alerts``         alerts, their changes and the officers' decisions on hits
``federation``     the outbox, records and chain heads, peers' status, rows that records
                   reference, and the bulk apply of a peer's page
``audit``          the audit log, the sweeps (overstayers, retention), users, idempotency
``applications``   applications for a travel authorisation or a visa, and the decisions on
                   them, this node's and its peers'
``consultations`` consultations between members on applications, asked and answered
``internal_checks`` temporary checks at internal borders (every member's) and the checks
                   made under them, apart from crossings
``mail``           mail to applicants, queued with the decision it tells of
``erasure``        what application records leave behind, erased at their retention's end;
                   the carrier gateway's audit entries past theirs
=================  ===========================================================================

Rows of a new concern: a module here with a class on ``TransactionBase``, and one more base
of ``SqlTransaction`` (and a method each in ``cta.services.ports.Transaction``).
"""

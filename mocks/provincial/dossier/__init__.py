"""The provincial portal's dossier: one home per concept, with nothing above it imported.

- entity.py — the dossier, its statuses, its actors, its history entries;
- store.py — its rows (and address.py, postal.py: the postal return's address and record);
- rules.py — the rules, one named function each, with the article they follow;
- transitions.py — the transition table and `apply()`, the one place a status is set;
- dossiers.py, workflow.py — the operations (the applicant's and the system's; the officers'),
  each a move of the table; deadlines.py, officer_input.py — what they show and read;
- document.py — the table as docs/protocols.md shows it.

The modules around (API, pages, payments, delivery, sync, notifications) import this package;
it imports none of them: what a move sends goes through the `Outgoing` port (sending.py).
"""

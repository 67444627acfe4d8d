"""A small provincial portal wired to the emulated national systems, as a worked example.

It knows the emulators only through their documented wire protocols (docs/protocols.md):
national SSO (OpenID Connect) and dossier sync, the payment platform, the postal service.
See README.md in this folder. Run it with `python -m examples.reference_portal --help`.
"""

"""DVCQG, the National Public Service Portal: accounts, SSO identity provider, catalogue, dossier sync, look-up."""

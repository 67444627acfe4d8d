"""VNeID emulator: electronic identities (Decree 69/2024/NĐ-CP), the app's approvals, the OpenID Connect provider."""

"""What the four emulators share: app factory, storage, errors, admin surface, signing."""

"""What the emulators share: app factory, storage, errors, admin surface, signing."""

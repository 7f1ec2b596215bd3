"""Customer profiles: identities and merge rules, staff edits, consents, segments, phones, snapshots."""

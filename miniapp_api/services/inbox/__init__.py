"""The staff inbox: who sees and handles which conversation, listing and search."""

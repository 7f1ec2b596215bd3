"""The Zalo Official Account: webhook events, conversations, outbound messages, auto-replies, tags, tokens."""

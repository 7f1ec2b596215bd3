"""ZNS: template messages by phone, outside the OA messaging window (docs/oa.md "ZNS")."""

"""智慧养老 (eldercare): older people, capacity assessment, service entitlements, providers and orders with
electronic visit verification, visits, family care beds and home adaptation, settlement, institutions and
双随机 inspections (issue 17; docs/eldercare.md)."""

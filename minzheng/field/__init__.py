"""离线走访 (issue 24 item 1): the field app of village assistants and investigators — an installable
page that works without a connection (service worker, IndexedDB queue) and a sync API that records each
offline visit and photo exactly once, with the same checks, scoping and audit as online (ADR 0039,
docs/field.md)."""

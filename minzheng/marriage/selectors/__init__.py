"""Reads of the marriage area. Staff reads go through ``visible_to(actor)`` (another county's row does not
exist for the user: 404); portal reads are limited to the signed-in person's own ID index."""

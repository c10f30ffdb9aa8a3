"""婚姻登记 (marriage registration): offices, opening calendar, slots, appointments, registrations, the
divorce cooling-off period and historical records (issue 18)."""

"""Staff accounts: enrolment, login with a second factor, sessions, roles and guards."""

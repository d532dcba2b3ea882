"""Schools, classrooms, class pledges and signatures (built in the pledges issue)."""

"""Views of the pledges app, one module per audience: students, teacher accounts,
schools and teachers' classrooms and pledges."""

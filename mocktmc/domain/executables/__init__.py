"""What can be run: tasks, plans and promotions, their behaviour plans and pausing."""

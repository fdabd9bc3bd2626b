"""Deadlines, one mechanism: every date on which the registry must act is a row, and one
scheduler in `serve` processes what falls due, and runs each capability's periodic jobs."""

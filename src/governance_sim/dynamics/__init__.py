"""Behavioural submodels as small vectorised functions, and the schedule that runs them.

No module here imports Mesa or any higher layer of the package.
"""

from governance_sim.dynamics.schedule import SCHEDULE, StepDraws, advance, draw_step, prepare, step

__all__ = ["SCHEDULE", "StepDraws", "advance", "draw_step", "prepare", "step"]

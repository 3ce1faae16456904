"""Where a record counts and whether its year is locked, shared by the rest of evaluation.

``selectors``: the reader's places, the chain of units above a place, the level constants,
the places of a year's cycle and the successors of retired units (``successor_map``).
``locks``: which records a higher level's approval has locked.
"""

"""The engagement log: the investor's own record of letters, answers, meetings, milestones and escalation.

``log`` reads and validates ``engagements/<company-id>.yaml``; ``state`` says where an
engagement stands at a date; ``ladder`` suggests the next step; ``append`` adds an event to
a log without rewriting it; ``history`` is what a letter or brief says about the past;
``report`` is the stewardship report over a period.
"""

"""English date formats: the 24-hour, day-first ones the pages always showed.

The pages name these formats (``{{ start|date:"DATETIME_FORMAT" }}``) so each
language can order day, month and weekday its own way; Django's own English
formats are American (12-hour clock, month first).
"""

DATETIME_FORMAT = "l j F Y, H:i"  # Thursday 3 December 2026, 14:00
DATE_FORMAT = "j F Y"  # 3 December 2026
SHORT_DATE_FORMAT = "j M Y"  # 3 Dec 2026
SHORT_DATETIME_FORMAT = "D j M Y, H:i"  # Thu 3 Dec 2026, 14:00
MONTH_DAY_FORMAT = "j F"  # 3 December
YEAR_MONTH_FORMAT = "F Y"  # December 2026
TIME_FORMAT = "H:i"  # 14:00
FIRST_DAY_OF_WEEK = 1  # Monday

"""Reports: figures and files made from stored captures. Functions return Figures; callers save."""

/* placeholder: src/api/reports.c */

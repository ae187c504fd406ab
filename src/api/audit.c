/* placeholder: src/api/audit.c */

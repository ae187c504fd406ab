/* placeholder: src/api/auth.c */

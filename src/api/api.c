/* placeholder: src/api/api.c */

/* placeholder: src/api/orgs.c */

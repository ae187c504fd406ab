/* placeholder: src/api/people.c */

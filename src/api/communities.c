/* placeholder: src/api/communities.c */

/* placeholder: src/policy/policy.c */

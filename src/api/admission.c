/* placeholder: src/api/admission.c */

# docs-check against conformance evidence (conformance/docs_evidence.c).
vmdrv_add_cmocka_test(test_docs_evidence
  SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/test_docs_evidence.c
  LIBS vmdrv_conformance LABELS matrix)

# interop.lien_status_python: tests/interop/lien_status.py, a verifier
# written from docs/lien-status.md alone (Python 3 + cryptography), agrees
# with every vector of tests/vectors/lien_status/ (the C side checks the
# same files: tests/unit/test_map.c, test_status.c), and its own map
# vectors still equal the committed map.json. Live proofs: integration.status
# runs it on the demo's answers. Included from tests/interop/CMakeLists.txt.
add_test(NAME interop.lien_status_python
	COMMAND /bin/sh -c "/usr/bin/python3 '${CMAKE_CURRENT_SOURCE_DIR}/lien_status.py' vectors '${LIEN_VECTORS}/lien_status' && /usr/bin/python3 '${CMAKE_CURRENT_SOURCE_DIR}/lien_status.py' mapvectors | cmp - '${LIEN_VECTORS}/lien_status/map.json'")
set_tests_properties(interop.lien_status_python PROPERTIES LABELS interop
	TIMEOUT 300)

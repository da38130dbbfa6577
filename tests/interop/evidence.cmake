# interop.evidence_python: face-ID tokens minted by an independent JOSE
# implementation on Python's `cryptography` (Debian python3-cryptography;
# /usr/bin/python3, not a pyenv python) are verified by api/evidence
# (tests/unit/test_evidence.c, test_evidence_face_check_python_token, which
# is skipped in the unit run and runs here with LIEN_PY_EVIDENCE_DIR set).
set(LIEN_SYS_PYTHON /usr/bin/python3)
if(TARGET test_evidence AND EXISTS ${LIEN_SYS_PYTHON})
	set(lien_py_ev_dir ${CMAKE_CURRENT_BINARY_DIR}/evidence_python)
	add_test(NAME interop.evidence_python
		COMMAND sh -c "rm -rf '${lien_py_ev_dir}' && '${LIEN_SYS_PYTHON}' '${CMAKE_CURRENT_SOURCE_DIR}/mint_face_token.py' '${lien_py_ev_dir}' && LIEN_PY_EVIDENCE_DIR='${lien_py_ev_dir}' '$<TARGET_FILE:test_evidence>'")
	set_tests_properties(interop.evidence_python PROPERTIES LABELS interop
		TIMEOUT 300)
else()
	message(STATUS "interop.evidence_python: /usr/bin/python3 or test_evidence missing, test skipped")
endif()

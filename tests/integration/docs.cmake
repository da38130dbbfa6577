# Docs that are checked against the code (docs/testing.md "Docs that
# run"). integration.doc_codes: every error-code table in docs/ and
# README.md against the codes in the sources; integration.docs_run: every
# `sh run` block of README.md and docs/*.md executed against a live
# `lienlogd --demo`, each request getting the status the doc shows.
# Included from tests/integration/CMakeLists.txt.
add_test(NAME integration.doc_codes
	COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_doc_codes.py
		${PROJECT_SOURCE_DIR})
set_tests_properties(integration.doc_codes PROPERTIES LABELS integration
	TIMEOUT 120)
if(TARGET lienlogd AND TARGET lienlog)
	add_test(NAME integration.docs_run
		COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_docs_run.py
			$<TARGET_FILE:lienlogd> $<TARGET_FILE:lienlog>
			${PROJECT_SOURCE_DIR})
	set_tests_properties(integration.docs_run PROPERTIES
		LABELS integration TIMEOUT 900)
endif()
# scripts/deps.sh with stub apt-get/dpkg-query: the demo installs only what
# the demo needs, the test command the toolchain, a held lock is waited for.
add_test(NAME integration.deps
	COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_deps.py
		${PROJECT_SOURCE_DIR})
set_tests_properties(integration.deps PROPERTIES LABELS integration
	TIMEOUT 120)
# The Node.js quickstart of docs/integration.md: `npm ci` of
# docs/examples/node (its lockfile) and quickstart.mjs against a live
# `lienlogd --demo`; the doc's copy of the code is the file.
if(TARGET lienlogd AND TARGET lienlog)
	find_program(LIEN_NODE node REQUIRED)
	add_test(NAME integration.node_quickstart
		COMMAND /usr/bin/python3
			${CMAKE_CURRENT_LIST_DIR}/test_node_quickstart.py
			$<TARGET_FILE:lienlogd> $<TARGET_FILE:lienlog>
			${PROJECT_SOURCE_DIR} ${CMAKE_BINARY_DIR})
	set_tests_properties(integration.node_quickstart PROPERTIES
		LABELS integration TIMEOUT 900)
endif()

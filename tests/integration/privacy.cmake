# Privacy end to end (issue 12, docs/privacy.md): every entry the demo
# produces walked against docs/privacy.md table A; two applications of one
# owner unlinkable from public entries and reads; erasure of that owner
# (evidence 410, proofs, decisions and both audits intact, also after a
# restart); both audits.
# Included from tests/integration/CMakeLists.txt.
if(TARGET lienlogd AND TARGET lienlog)
	add_test(NAME integration.privacy
		COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_privacy.py
			--lienlogd $<TARGET_FILE:lienlogd>
			--lienlog $<TARGET_FILE:lienlog>
			--mktrust ${PROJECT_SOURCE_DIR}/tests/vectors/trust/mktrust.sh)
	set_tests_properties(integration.privacy PROPERTIES
		LABELS integration TIMEOUT 900)
endif()

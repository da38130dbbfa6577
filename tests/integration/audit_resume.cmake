# `lienlog audit --resume` (the incremental audit, docs/storage.md):
# full first, then incremental after `lienlog load`; an entry or a state
# record changed after the resume point, an edited or older resume record
# and another auditor's key are caught. audit_tamper edits a store behind
# the log's back. Included from tests/integration/CMakeLists.txt.
if(TARGET lienlogd AND TARGET lienlog)
	add_executable(audit_tamper ${CMAKE_CURRENT_LIST_DIR}/audit_tamper.c)
	target_link_libraries(audit_tamper PRIVATE lien_ledger)
	add_test(NAME integration.audit_resume
		COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_audit_resume.py
			--lienlogd $<TARGET_FILE:lienlogd>
			--lienlog $<TARGET_FILE:lienlog>
			--tamper $<TARGET_FILE:audit_tamper>)
	set_tests_properties(integration.audit_resume PROPERTIES
		LABELS integration TIMEOUT 900)
endif()

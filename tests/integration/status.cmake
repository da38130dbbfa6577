# The lien status end to end (docs/lien-status.md): a real `lienlogd
# --demo`, `lienlog status` and `lienlog verify status` for a vehicle under
# a lien, one restricted, one released and one never recorded; a proof
# taken before a release refused against the later checkpoint; --max-age;
# the API's refusals; `lienlog audit` catching a forged state root.
# status_case drives one mortgage's life through the demo's own signed
# requests. Included from tests/integration/CMakeLists.txt.
if(TARGET lienlogd AND TARGET lienlog)
	add_executable(status_case ${CMAKE_CURRENT_LIST_DIR}/status_case.c)
	target_link_libraries(status_case PRIVATE lien_demo)
	add_executable(status_forge ${CMAKE_CURRENT_LIST_DIR}/status_forge.c)
	target_link_libraries(status_forge PRIVATE lien_registry)
	add_test(NAME integration.status
		COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_status.py
			--lienlogd $<TARGET_FILE:lienlogd>
			--lienlog $<TARGET_FILE:lienlog>
			--case $<TARGET_FILE:status_case>
			--forge $<TARGET_FILE:status_forge>
			--pyverify ${PROJECT_SOURCE_DIR}/tests/interop/lien_status.py)
	set_tests_properties(integration.status PROPERTIES
		LABELS integration TIMEOUT 900)
endif()

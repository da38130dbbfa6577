# kill -9 of lienlogd under `lienlog load` (docs/testing.md): after every
# kill `lienlog audit` accepts the store (registration state replayed and
# equal) and every receipt the load generator verified is in the tree.
# Included from tests/integration/CMakeLists.txt.
if(TARGET lienlogd AND TARGET lienlog)
	add_test(NAME integration.server_crash
		COMMAND /usr/bin/python3
			${CMAKE_CURRENT_LIST_DIR}/test_server_crash.py
			--lienlogd $<TARGET_FILE:lienlogd>
			--lienlog $<TARGET_FILE:lienlog>)
	set_tests_properties(integration.server_crash PROPERTIES
		LABELS integration TIMEOUT 900)
endif()

# `lienlogd --demo` from scratch (demo world, trust dir, >= 1000 entries
# seeded through signed requests), the demo keys and README, `lienlog
# submit` with a demo key, `lienlog load --requests 200 --concurrency 4`
# with every receipt verified, then `lienlog audit` (docs/demo.md).
# Included from tests/integration/CMakeLists.txt.
if(TARGET lienlogd AND TARGET lienlog)
	add_test(NAME integration.demo
		COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_demo.py
			--lienlogd $<TARGET_FILE:lienlogd>
			--lienlog $<TARGET_FILE:lienlog>)
	set_tests_properties(integration.demo PROPERTIES
		LABELS integration TIMEOUT 900)
endif()

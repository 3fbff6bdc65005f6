from casetui.cli import main

raise SystemExit(main())

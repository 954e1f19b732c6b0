from annlab.cli import main

raise SystemExit(main())

from pde_data.cli import main

raise SystemExit(main())

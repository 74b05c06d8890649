"""Check a geoflow run directory with ParaView itself (and optionally render it).

Usage:
    pvpython tests/paraview/check_run.py RUN_DIR [--expect-degree D] [--exact NAME]
    xvfb-run -a -s "-screen 0 1024x768x24" pvbatch tests/paraview/check_run.py RUN_DIR \
        --render OUT.png [--series image]

RUN_DIR must hold one main `<name>.pvd` (frames `frames/<name>_NNNNNN.vts|vtu`) and
`energy.csv` (columns at least step,time,dt,energy; one row per time step, step 0 = initial
state). Harmonic-map runs (`flow = "harmonic-map"` in config.toml) also hold exactly one further
series `<name>_image.pvd`; discrete-ricci runs `<name>_layout.pvd` and optionally
`<name>_sphere.pvd`; other runs hold no other .pvd.

Checks, all through ParaView's own readers and filters:
  * the .pvd opens with PVDReader; its TimestepValues are strictly increasing, each equals the
    `time` of a row of energy.csv (relative tolerance 1e-12), the first equals the first row's
    time and the last the last row's time;
  * for every time step (UpdatePipeline(t) + servermanager.Fetch): the point arrays of the flow
    exist, are Float64 with the expected number of components (graph: u, normal_velocity,
    mean_curvature; surface: mean_curvature, normal_velocity, gaussian_curvature; harmonic map:
    u with 3 components, energy_density, constraint_error), have one value per point and are
    finite; all points are finite, their count equals the structured dimensions and is the same
    in every frame; for graphs the point z-coordinate equals u; FieldData TimeValue == t, and
    Energy and Step equal the energy.csv row of that time;
  * the first and last frame opened alone (without the .pvd) report their TimeValue as their time;
  * PlotGlobalVariablesOverTime on the reader gives one row per time step with an Energy column
    matching energy.csv.

Harmonic-map runs, in addition:
  * energy.csv has the columns rate, constraint_error, constraint_l1, max_local_energy (and
    covered_area for maps into S^2);
  * `<name>_image.pvd` opens with PVDReader with exactly the same TimestepValues as the main
    series (and both .pvd files list the same times); every image frame has the main frame's
    dataset type, cells (structured dimensions or triangle connectivity) and FieldData, its
    points equal the main frame's `u` bitwise, its `energy_density` equals the main frame's
    bitwise; its first and last frames open alone with their TimeValue;
  * the point array constraint_error is the distance of u to the target, and its maximum is the
    energy.csv constraint_error of that step; for the sphere | |u| - 1 | <= 1e-12 everywhere;
  * sum_i m_i energy_density_i (m the lumped mass: barycentric on meshes, hx*hy/4 per cell on
    grids) equals the energy (1e-10 relative);
  * on triangle meshes the Dirichlet energy recomputed here with the cotan formula
    E = 1/2 sum_T sum_edges cot(opposite angle of the domain triangle)/2 |u_i - u_j|^2 equals
    FieldData Energy and the energy.csv row (1e-12 relative);
  * for maps into S^2: the covered area sum|Omega| and the degree sum(Omega)/4pi over the image
    triangles (signed solid angles, Van Oosterom-Strackee; planar domains oriented along +z like
    geoflow does) equal the energy.csv covered_area and degree (1e-9); with --expect-degree D
    the degree column must exist and equal D (1e-9) at every frame;
  * with --exact NAME (a solution coded here independently of the scenario file; known:
    great-circle) the error_linf and error_l2 columns exist, and max over points of
    |u - u_exact| equals the energy.csv error_linf at every frame (1e-12 relative).

Discrete-ricci runs (`flow = "discrete-ricci"`), in addition:
  * energy.csv has the columns curvature_error and angle_distortion_max;
  * the further series are `_overlay` (the common subdivision of the input and the intrinsic
    triangulation, on the input, with its map), `_intrinsic` (with flips), `_layout` (disks and
    flat tori, unless config.toml discrete_ricci.layout = false) and `_sphere` (sphere maps); they
    list and report the main series' times, and their first and last frames open alone with
    their TimeValue;
  * main frames are the input's triangles on its 3-D points (bitwise the same in every frame),
    with Float64 point arrays u, K (and uv, 3 components, z = 0, on disks with a layout) and cell
    arrays angle_distortion, area_distortion, qc_distortion; the max of angle_distortion is the
    energy.csv angle_distortion_max (1e-12 relative);
  * overlay frames have a 3-component point array map and a point array vertex_id: the points
    with vertex_id >= 0 are bitwise the main frame's points of those vertices, and on disks the
    map there is the main frame's uv (1e-12 of the layout size);
  * layout and sphere frames have the overlay's triangles and points == the overlay's map
    bitwise; layout points have z = 0, sphere points | |p| - 1 | <= 1e-12;
  * at the last time step energy.csv's curvature_error is < 1e-10 and the map is bijective:
    every layout triangle has positive signed area; every sphere triangle has
    det(p_a, p_b, p_c) > 0 and the signed solid angles 2 atan2(a.(b x c), 1 + a.b + b.c + c.a)
    sum to 4 pi (1e-9). (Earlier frames need not be embedded.)

Exits 0 on success, 1 with a message naming the check (and the time) on failure, 2 on bad usage.
Output goes through os.write: pvpython routes `print` through VTK's output window.
"""

import argparse
import bisect
import csv
import math
import os
import re
import sys
import xml.etree.ElementTree as ET

import numpy as np

REL_TOL = 1e-12
# Point arrays (name, components) by flow and dataset type: graph flows write structured grids
# of the surface (x, y, u); surface flows write unstructured grids of triangles; harmonic maps
# write their domain (a grid or triangles) with the map u as a vector.
POINT_ARRAYS = {
    "vtkStructuredGrid": (("u", 1), ("normal_velocity", 1), ("mean_curvature", 1)),
    "vtkUnstructuredGrid": (("mean_curvature", 1), ("normal_velocity", 1), ("gaussian_curvature", 1)),
}
MAP_ARRAYS = (("u", 3), ("energy_density", 1), ("constraint_error", 1))
IMAGE_ARRAYS = (("energy_density", 1),)
FIELD_ARRAYS = ("TimeValue", "Energy", "Step")
MAP_COLUMNS = ("rate", "constraint_error", "constraint_l1", "max_local_energy")
# Tolerances of the harmonic-map checks.
UNIT_TOL = 1e-12      # | |u| - 1 | for maps into a sphere
DEGREE_TOL = 1e-9     # degree and covered area against energy.csv
DENSITY_TOL = 1e-10   # sum of mass * energy_density against the energy


def great_circle(x, y, z, t):
    """u = (cos p, sin p, 0), p = exp(-2t) sin x sin y: harmonic map flow into S^2 on [0, pi]^2."""
    p = math.exp(-2.0 * t) * np.sin(x) * np.sin(y)
    return np.stack([np.cos(p), np.sin(p), np.zeros_like(p)], axis=1)


EXACT = {"great-circle": great_circle}


def out(msg):
    os.write(1, (msg + "\n").encode())


def fail(msg):
    os.write(2, ("check_run.py: FAILED: " + msg + "\n").encode())
    sys.exit(1)


def close(a, b, rel=REL_TOL):
    return a == b or abs(a - b) <= rel * max(abs(a), abs(b))


def fmt(x):
    return "%.17g" % x


# ---------------------------------------------------------------------------------------------
# Plain-file checks (no ParaView yet)
# ---------------------------------------------------------------------------------------------

def find_pvds(run_dir):
    """The main `<name>.pvd` and the further series `<name>_<s>.pvd` as {s: path}."""
    if not os.path.isdir(run_dir):
        fail("run directory %r does not exist" % run_dir)
    stems = sorted(f[:-4] for f in os.listdir(run_dir) if f.endswith(".pvd"))
    if not stems:
        fail("no .pvd at the top of %r" % run_dir)
    mains = [m for m in stems if all(o == m or o.startswith(m + "_") for o in stems)]
    if len(mains) != 1:
        fail("expected one <name>.pvd and only <name>_<series>.pvd beside it in %r, found %r"
             % (run_dir, [m + ".pvd" for m in stems]))
    main = mains[0]
    series = {o[len(main) + 1:]: os.path.join(run_dir, o + ".pvd") for o in stems if o != main}
    return os.path.join(run_dir, main + ".pvd"), series


def read_config(run_dir):
    """config.toml as a dict ({} if there is none)."""
    path = os.path.join(run_dir, "config.toml")
    if not os.path.isfile(path):
        return {}
    import tomllib
    with open(path, "rb") as f:
        try:
            return tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            fail("config.toml does not parse: %s" % e)


def read_energy_csv(run_dir):
    """Rows (step, time, dt, energy), the header, and every column by name as floats."""
    path = os.path.join(run_dir, "energy.csv")
    if not os.path.isfile(path):
        fail("energy.csv missing in %r" % run_dir)
    with open(path, newline="") as f:
        reader = csv.reader(f)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            fail("energy.csv is empty")
        for col in ("step", "time", "dt", "energy"):
            if col not in header:
                fail("energy.csv header %r lacks column %r" % (header, col))
        if len(set(header)) != len(header):
            fail("energy.csv header %r repeats a column" % header)
        idx = {c: header.index(c) for c in ("step", "time", "dt", "energy")}
        rows = []
        columns = {c: [] for c in header}
        for lineno, rec in enumerate(reader, start=2):
            if not rec or all(not x.strip() for x in rec):
                continue
            if len(rec) != len(header):
                fail("energy.csv line %d has %d fields, header has %d" % (lineno, len(rec), len(header)))
            try:
                step = int(rec[idx["step"]])
                time = float(rec[idx["time"]])
                dt = float(rec[idx["dt"]])
                energy = float(rec[idx["energy"]])
                for c, x in zip(header, rec):
                    columns[c].append(float(x))
            except ValueError as e:
                fail("energy.csv line %d does not parse: %s" % (lineno, e))
            if not all(math.isfinite(v) for v in (time, dt, energy)):
                fail("energy.csv line %d (step %d) has a non-finite value" % (lineno, step))
            rows.append((step, time, dt, energy))
    if not rows:
        fail("energy.csv has a header but no rows")
    if rows[0][0] != 0:
        fail("energy.csv first row is step %d, expected step 0 (initial state)" % rows[0][0])
    for (s0, t0, _, _), (s1, t1, _, _) in zip(rows, rows[1:]):
        if s1 != s0 + 1:
            fail("energy.csv steps not consecutive: %d then %d" % (s0, s1))
        if not t1 > t0:
            fail("energy.csv times not strictly increasing: step %d t=%s, step %d t=%s"
                 % (s0, fmt(t0), s1, fmt(t1)))
    return rows, header, columns


def read_pvd_files(pvd_path):
    """The .pvd's own (timestep, absolute file) list, parsed independently of ParaView."""
    try:
        root = ET.parse(pvd_path).getroot()
    except ET.ParseError as e:
        fail("%s is not well-formed XML: %s" % (pvd_path, e))
    if root.get("type") != "Collection":
        fail("%s: VTKFile type is %r, expected 'Collection'" % (pvd_path, root.get("type")))
    entries = []
    base = os.path.dirname(pvd_path)
    for ds in root.iter("DataSet"):
        f = ds.get("file")
        if f is None or ds.get("timestep") is None:
            fail("%s: DataSet entry without file/timestep: %r" % (pvd_path, ds.attrib))
        p = os.path.join(base, f)
        if not os.path.isfile(p):
            fail("%s lists %r which does not exist" % (pvd_path, f))
        entries.append((float(ds.get("timestep")), p))
    if not entries:
        fail("%s lists no DataSet" % pvd_path)
    return entries


# ---------------------------------------------------------------------------------------------
# ParaView checks
# ---------------------------------------------------------------------------------------------

def as_list(v):
    if v is None:
        return []
    try:
        return [float(x) for x in v]
    except TypeError:
        return [float(v)]


def field_scalar(data, name, t):
    fd = data.GetFieldData()
    arr = fd.GetAbstractArray(name) if fd is not None else None
    if arr is None:
        present = [fd.GetAbstractArray(i).GetName() for i in range(fd.GetNumberOfArrays())] if fd else []
        fail("t=%s: FieldData array %r missing (present: %r)" % (fmt(t), name, present))
    if not arr.IsNumeric() or arr.GetNumberOfComponents() != 1 or arr.GetNumberOfTuples() != 1:
        fail("t=%s: FieldData %r is not a single-tuple numeric scalar (%s, %d comps, %d tuples)"
             % (fmt(t), name, arr.GetClassName(), arr.GetNumberOfComponents(), arr.GetNumberOfTuples()))
    return arr.GetTuple1(0)


def open_series(pvd, simple):
    reader = simple.OpenDataFile(pvd)
    if reader is None:
        fail("ParaView cannot open %s" % pvd)
    if reader.GetXMLName() != "PVDReader":
        fail("%s opened with %s, expected PVDReader" % (pvd, reader.GetXMLName()))
    times = as_list(reader.TimestepValues)
    if not times:
        fail("PVDReader reports no TimestepValues for %s" % pvd)
    for k, (a, b) in enumerate(zip(times, times[1:])):
        if not b > a:
            fail("%s: TimestepValues not strictly increasing at index %d: %s then %s"
                 % (os.path.basename(pvd), k, fmt(a), fmt(b)))
    return reader, times


def fetch(reader, t, sm, what):
    reader.UpdatePipeline(t)
    data = sm.Fetch(reader)
    if data is None:
        fail("t=%s: Fetch of the %s returned nothing" % (fmt(t), what))
    if data.IsA("vtkMultiBlockDataSet"):
        fail("t=%s: %s: expected a single dataset, got %s" % (fmt(t), what, data.GetClassName()))
    return data


def dataset_kind(data, t, what):
    kind = next((k for k in POINT_ARRAYS if data.IsA(k)), None)
    if kind is None:
        fail("t=%s: %s: expected one of %s, got %s"
             % (fmt(t), what, ", ".join(POINT_ARRAYS), data.GetClassName()))
    return kind


def shape_of(data, kind, t, what):
    """(points, dims): structured dimensions, or [cells, 0, 0] for triangles (all checked)."""
    npts = data.GetNumberOfPoints()
    if npts <= 0:
        fail("t=%s: %s has no points" % (fmt(t), what))
    if kind == "vtkStructuredGrid":
        dims = [0, 0, 0]
        data.GetDimensions(dims)
        if npts != dims[0] * dims[1] * dims[2]:
            fail("t=%s: %s: %d points but structured dimensions %r" % (fmt(t), what, npts, dims))
    else:
        ncells = data.GetNumberOfCells()
        if ncells <= 0:
            fail("t=%s: %s has no cells" % (fmt(t), what))
        for c in range(ncells):
            if data.GetCellType(c) != 5:
                fail("t=%s: %s: cell %d has VTK type %d, expected 5 (triangle)"
                     % (fmt(t), what, c, data.GetCellType(c)))
        dims = [ncells, 0, 0]
    return npts, dims


def data_arrays(attrs, where, spec, n, t, what, ns):
    """Arrays (name, components) of `attrs` (point or cell data; `where` names it): present,
    Float64, one tuple per point/cell, finite."""
    vals = {}
    for name, comps in spec:
        arr = attrs.GetArray(name)
        if arr is None:
            present = [attrs.GetArrayName(i) for i in range(attrs.GetNumberOfArrays())]
            fail("t=%s: %s: %s array %r missing (present: %r)" % (fmt(t), what, where, name, present))
        if arr.GetNumberOfComponents() != comps:
            fail("t=%s: %s: %s array %r has %d components, expected %d"
                 % (fmt(t), what, where, name, arr.GetNumberOfComponents(), comps))
        if arr.GetNumberOfTuples() != n:
            fail("t=%s: %s: %s array %r has %d values for %d %ss"
                 % (fmt(t), what, where, name, arr.GetNumberOfTuples(), n, where))
        if arr.GetDataTypeAsString() != "double":
            fail("t=%s: %s: %s array %r is %s, expected Float64 (double)"
                 % (fmt(t), what, where, name, arr.GetDataTypeAsString()))
        a = ns.vtk_to_numpy(arr)
        bad = ~np.isfinite(a)
        if bad.any():
            k = int(np.argmax(bad.reshape(n, -1).any(axis=1)))
            fail("t=%s: %s: %s array %r has %d non-finite values (first at %s %d)"
                 % (fmt(t), what, where, name, int(bad.sum()), where, k))
        vals[name] = a
    return vals


def point_arrays(data, spec, npts, t, what, ns):
    return data_arrays(data.GetPointData(), "point", spec, npts, t, what, ns)


def points_of(data, t, what, ns):
    pts = data.GetPoints()
    if pts is None:
        fail("t=%s: %s has no points array" % (fmt(t), what))
    if pts.GetData().GetDataTypeAsString() != "double":
        fail("t=%s: %s: points are %s, expected Float64 (double)"
             % (fmt(t), what, pts.GetData().GetDataTypeAsString()))
    p = ns.vtk_to_numpy(pts.GetData())
    if not np.isfinite(p).all():
        fail("t=%s: %s: non-finite point coordinates" % (fmt(t), what))
    return p


def check_frames(reader, times, rows, sm, ns, harmonic, per_frame=None, arrays=None):
    """The common per-frame checks; `arrays` overrides the point arrays of the flow (and then
    the graph check z == u is not made)."""
    row_times = [r[1] for r in rows]
    npts_ref = None
    matched = []
    for k, t in enumerate(times):
        i = bisect.bisect_left(row_times, t)
        cands = [j for j in (i - 1, i) if 0 <= j < len(rows)]
        j = min(cands, key=lambda j: abs(row_times[j] - t))
        if not close(row_times[j], t):
            fail("time step %d of the .pvd, t=%s, matches no row of energy.csv (nearest: step %d t=%s)"
                 % (k, fmt(t), rows[j][0], fmt(row_times[j])))
        step, _, _, energy = rows[j]

        data = fetch(reader, t, sm, "frame")
        kind = dataset_kind(data, t, "frame")
        npts, dims = shape_of(data, kind, t, "frame")
        if npts_ref is None:
            npts_ref = (npts, tuple(dims))
        elif (npts, tuple(dims)) != npts_ref:
            fail("t=%s: %d points, dims %r; first frame had %d points, dims %r"
                 % (fmt(t), npts, dims, npts_ref[0], npts_ref[1]))

        spec = arrays if arrays is not None else MAP_ARRAYS if harmonic else POINT_ARRAYS[kind]
        vals = point_arrays(data, spec, npts, t, "frame", ns)
        pts = points_of(data, t, "frame", ns)
        if not harmonic and arrays is None and "u" in vals:
            u = vals["u"]
            dz = np.abs(pts[:, 2] - u)
            scale = max(1.0, float(np.abs(u).max()))
            if dz.max() > REL_TOL * scale:
                p = int(np.argmax(dz))
                fail("t=%s: point z differs from u at point %d: z=%s u=%s"
                     % (fmt(t), p, fmt(pts[p, 2]), fmt(u[p])))

        tv = field_scalar(data, "TimeValue", t)
        if not close(tv, t):
            fail("t=%s: FieldData TimeValue=%s differs from the .pvd timestep" % (fmt(t), fmt(tv)))
        e = field_scalar(data, "Energy", t)
        if not close(e, energy):
            fail("t=%s: FieldData Energy=%s but energy.csv step %d has energy=%s"
                 % (fmt(t), fmt(e), step, fmt(energy)))
        s = field_scalar(data, "Step", t)
        if s != step:
            fail("t=%s: FieldData Step=%s but energy.csv row at this time is step %d" % (fmt(t), fmt(s), step))
        if per_frame is not None:
            per_frame(t, j, data, kind, pts, vals, (tv, e, s))
        matched.append((t, step, energy))
    return matched, npts_ref


def check_standalone_frames(entries, simple):
    """A frame opened without the .pvd must take its time from its TimeValue field data."""
    picks = [entries[0]] if len(entries) == 1 else [entries[0], entries[-1]]
    for t, path in picks:
        r = simple.OpenDataFile(path)
        if r is None:
            fail("ParaView cannot open frame %s on its own" % path)
        ts = as_list(r.TimestepValues)
        if len(ts) != 1 or not close(ts[0], t):
            fail("frame %s opened alone reports times %r, expected [%s] (from TimeValue)"
                 % (os.path.basename(path), ts, fmt(t)))
        simple.Delete(r)


def check_global_plot(reader, matched, simple, sm, ns):
    plot = simple.PlotGlobalVariablesOverTime(Input=reader)
    plot.UpdatePipeline()
    table = sm.Fetch(plot)
    if table is not None and table.IsA("vtkMultiBlockDataSet"):
        table = table.GetBlock(0) if table.GetNumberOfBlocks() > 0 else None
    if table is None or not table.IsA("vtkTable"):
        fail("PlotGlobalVariablesOverTime gave no table (%s)"
             % (table.GetClassName() if table is not None else None))
    cols = [table.GetColumnName(i) for i in range(table.GetNumberOfColumns())]
    if "Energy" not in cols:
        fail("PlotGlobalVariablesOverTime output has no Energy column (columns: %r)" % cols)
    if table.GetNumberOfRows() != len(matched):
        fail("PlotGlobalVariablesOverTime has %d rows for %d time steps" % (table.GetNumberOfRows(), len(matched)))
    energy = ns.vtk_to_numpy(table.GetColumnByName("Energy"))
    tcol = table.GetColumnByName("Time")
    tvals = ns.vtk_to_numpy(tcol) if tcol is not None else None
    for k, (t, step, e) in enumerate(matched):
        if not close(float(energy[k]), e):
            fail("PlotGlobalVariablesOverTime: Energy at t=%s is %s, energy.csv step %d says %s"
                 % (fmt(t), fmt(energy[k]), step, fmt(e)))
        if tvals is not None and not close(float(tvals[k]), t):
            fail("PlotGlobalVariablesOverTime: row %d has Time=%s, expected %s" % (k, fmt(tvals[k]), fmt(t)))
    simple.Delete(plot)
    return cols


# ---------------------------------------------------------------------------------------------
# Harmonic maps
# ---------------------------------------------------------------------------------------------

def triangles_of(data, kind, ns):
    """The triangles (T, 3) of a frame: its cells, or the grid cells split like geoflow does
    ([a, a+1, a+nx+1] and [a, a+nx+1, a+nx] for the cell with lower-left corner a)."""
    if kind == "vtkStructuredGrid":
        dims = [0, 0, 0]
        data.GetDimensions(dims)
        nx, ny = dims[0], dims[1]
        a = (np.arange(nx - 1)[None, :] + nx * np.arange(ny - 1)[:, None]).ravel()
        t1 = np.stack([a, a + 1, a + nx + 1], axis=1)
        t2 = np.stack([a, a + nx + 1, a + nx], axis=1)
        return np.stack([t1, t2], axis=1).reshape(-1, 3)
    cells = data.GetCells()
    offsets = ns.vtk_to_numpy(cells.GetOffsetsArray())
    conn = ns.vtk_to_numpy(cells.GetConnectivityArray())
    if not np.array_equal(offsets, 3 * np.arange(len(offsets))):
        fail("triangle cells do not have 3 points each (offsets %r...)" % offsets[:8])
    return conn.astype(np.int64).reshape(-1, 3)


def lumped_mass(pts, tri, kind, dims):
    """geoflow's lumped mass: hx*hy/4 per adjacent grid cell, or a third of each adjacent
    triangle's area (barycentric) on meshes."""
    n = len(pts)
    m = np.zeros(n)
    if kind == "vtkStructuredGrid":
        nx, ny = dims[0], dims[1]
        p = pts.reshape(ny, nx, 3)
        dx = p[:-1, 1:, 0] - p[:-1, :-1, 0]
        dy = p[1:, :-1, 1] - p[:-1, :-1, 1]
        q = (dx * dy / 4.0).ravel()
        a = (np.arange(nx - 1)[None, :] + nx * np.arange(ny - 1)[:, None]).ravel()
        for c in (a, a + 1, a + nx, a + nx + 1):
            np.add.at(m, c, q)
        return m
    e1 = pts[tri[:, 1]] - pts[tri[:, 0]]
    e2 = pts[tri[:, 2]] - pts[tri[:, 0]]
    area = 0.5 * np.linalg.norm(np.cross(e1, e2), axis=1)
    for c in range(3):
        np.add.at(m, tri[:, c], area / 3.0)
    return m


def cotan_energy(pts, tri, u):
    """E = 1/2 sum_T sum_corners cot(corner angle)/2 |u_j - u_k|^2, (j, k) the opposite edge,
    with the angles of the domain triangles."""
    e = 0.0
    for c in range(3):
        a, b, d = tri[:, c], tri[:, (c + 1) % 3], tri[:, (c + 2) % 3]
        e1 = pts[b] - pts[a]
        e2 = pts[d] - pts[a]
        cot = np.einsum("ij,ij->i", e1, e2) / np.linalg.norm(np.cross(e1, e2), axis=1)
        du = u[b] - u[d]
        e += math.fsum(0.5 * 0.5 * cot * np.einsum("ij,ij->i", du, du))
    return e


def solid_angles(img, tri, orientation):
    """Signed solid angles of the image triangles (Van Oosterom-Strackee), unit-normalized."""
    v = img / np.linalg.norm(img, axis=1)[:, None]
    a, b, c = v[tri[:, 0]], v[tri[:, 1]], v[tri[:, 2]]
    num = np.einsum("ij,ij->i", a, np.cross(b, c))
    den = 1.0 + np.einsum("ij,ij->i", a, b) + np.einsum("ij,ij->i", b, c) + np.einsum("ij,ij->i", c, a)
    return orientation * 2.0 * np.arctan2(num, den)


class MapChecks:
    """The per-frame checks of a harmonic-map run (main frame against image frame and csv)."""

    def __init__(self, image_reader, columns, sphere, exact, expect_degree, sm, ns):
        self.image = image_reader
        self.columns = columns
        self.sphere = sphere
        self.exact = exact
        self.expect_degree = expect_degree
        self.sm = sm
        self.ns = ns
        self.stats = {"unit": 0.0, "energy_rel": None, "density_rel": 0.0, "degree": [],
                      "error_linf": [], "error_diff": 0.0, "constraint": []}

    def col(self, name, j):
        return self.columns[name][j] if name in self.columns else None

    def __call__(self, t, j, data, kind, pts, vals, fields):
        ns = self.ns
        u = vals["u"].reshape(-1, 3)
        npts = len(u)
        energy = fields[1]

        # --- the image frame: same cells and fields, points = u (bitwise) -------------------
        im = fetch(self.image, t, self.sm, "image frame")
        ikind = dataset_kind(im, t, "image frame")
        if ikind != kind:
            fail("t=%s: the image frame is a %s, the main frame a %s" % (fmt(t), ikind, kind))
        inpts, idims = shape_of(im, ikind, t, "image frame")
        if inpts != npts:
            fail("t=%s: the image frame has %d points, the main frame %d" % (fmt(t), inpts, npts))
        tri = triangles_of(data, kind, ns)
        if kind == "vtkStructuredGrid":
            dims = [0, 0, 0]
            data.GetDimensions(dims)
            if list(idims) != dims:
                fail("t=%s: image frame dimensions %r, main frame %r" % (fmt(t), idims, dims))
        else:
            dims = None
            itri = triangles_of(im, ikind, ns)
            if itri.shape != tri.shape or not np.array_equal(itri, tri):
                bad = [c for c in range(min(len(tri), len(itri))) if not np.array_equal(tri[c], itri[c])]
                fail("t=%s: image frame triangles differ from the main frame's (%d vs %d cells, first "
                     "difference at cell %s)" % (fmt(t), len(itri), len(tri), bad[0] if bad else "-"))
        img = points_of(im, t, "image frame", ns)
        same = np.ascontiguousarray(img).view(np.uint64) == np.ascontiguousarray(u).view(np.uint64)
        if not same.all():
            p = int(np.argmax(~same.all(axis=1)))
            fail("t=%s: image point %d is %r, the main frame's u there is %r (%d of %d points differ)"
                 % (fmt(t), p, [fmt(x) for x in img[p]], [fmt(x) for x in u[p]],
                    int((~same.all(axis=1)).sum()), npts))
        ivals = point_arrays(im, IMAGE_ARRAYS, inpts, t, "image frame", ns)
        d_main = np.ascontiguousarray(vals["energy_density"]).view(np.uint64)
        d_img = np.ascontiguousarray(ivals["energy_density"]).view(np.uint64)
        if not np.array_equal(d_main, d_img):
            p = int(np.argmax(d_main != d_img))
            fail("t=%s: image energy_density at point %d is %s, the main frame's is %s"
                 % (fmt(t), p, fmt(ivals["energy_density"][p]), fmt(vals["energy_density"][p])))
        for name, v in zip(FIELD_ARRAYS, fields):
            iv = field_scalar(im, name, t)
            if iv != v:
                fail("t=%s: image frame FieldData %s=%s, main frame %s" % (fmt(t), name, fmt(iv), fmt(v)))

        # --- the constraint ---------------------------------------------------------------
        ce = vals["constraint_error"]
        if self.sphere:
            r = np.sqrt(u[:, 0] * u[:, 0] + u[:, 1] * u[:, 1] + u[:, 2] * u[:, 2])
            dev = np.abs(r - 1.0)
            p = int(np.argmax(dev))
            if dev[p] > UNIT_TOL:
                fail("t=%s: |u| = %s at point %d: not on the unit sphere (tolerance %g)"
                     % (fmt(t), fmt(r[p]), p, UNIT_TOL))
            self.stats["unit"] = max(self.stats["unit"], float(dev[p]))
            diff = np.abs(ce - dev)
            if diff.max() > 1e-15:
                p = int(np.argmax(diff))
                fail("t=%s: point constraint_error %s at point %d, but | |u| - 1 | = %s"
                     % (fmt(t), fmt(ce[p]), p, fmt(dev[p])))
        c_csv = self.col("constraint_error", j)
        if not close(float(ce.max()), c_csv):
            fail("t=%s: max of the point constraint_error is %s, energy.csv says %s"
                 % (fmt(t), fmt(ce.max()), fmt(c_csv)))
        self.stats["constraint"].append(c_csv)

        # --- the energy --------------------------------------------------------------------
        mass = lumped_mass(pts, tri, kind, dims)
        e_density = math.fsum(mass * vals["energy_density"])
        rel = abs(e_density - energy) / max(abs(energy), 1e-300)
        if rel > DENSITY_TOL and abs(e_density - energy) > 1e-14:
            fail("t=%s: sum of lumped mass * energy_density is %s, the energy is %s (relative %.3g)"
                 % (fmt(t), fmt(e_density), fmt(energy), rel))
        self.stats["density_rel"] = max(self.stats["density_rel"], rel)
        if kind == "vtkUnstructuredGrid":
            e = cotan_energy(pts, tri, u)
            e_csv = self.col("energy", j)
            for what, ref in (("FieldData Energy", energy), ("energy.csv energy", e_csv)):
                if not close(e, ref):
                    fail("t=%s: the cotan Dirichlet energy of the frame is %s, %s is %s (relative %.3g)"
                         % (fmt(t), fmt(e), what, fmt(ref), abs(e - ref) / abs(ref)))
            rel = abs(e - energy) / abs(energy)
            self.stats["energy_rel"] = max(self.stats["energy_rel"] or 0.0, rel)

        # --- degree and covered area from the image ---------------------------------------
        if self.sphere and "covered_area" in self.columns:
            planar = bool((pts[:, 2] == 0.0).all())
            if planar:
                n = np.cross(pts[tri[:, 1]] - pts[tri[:, 0]], pts[tri[:, 2]] - pts[tri[:, 0]])
                orientation = np.sign(n[:, 2])
            else:
                orientation = 1.0
            omega = solid_angles(img, tri, orientation)
            area = math.fsum(np.abs(omega))
            degree = math.fsum(omega) / (4.0 * math.pi)
            a_csv = self.col("covered_area", j)
            if not (close(area, a_csv, DEGREE_TOL) or abs(area - a_csv) <= DEGREE_TOL):
                fail("t=%s: covered area from the image is %s, energy.csv covered_area is %s"
                     % (fmt(t), fmt(area), fmt(a_csv)))
            d_csv = self.col("degree", j)
            if d_csv is not None and abs(degree - d_csv) > DEGREE_TOL:
                fail("t=%s: degree from the image is %s, energy.csv degree is %s"
                     % (fmt(t), fmt(degree), fmt(d_csv)))
            if self.expect_degree is not None and abs(degree - self.expect_degree) > DEGREE_TOL:
                fail("t=%s: degree from the image is %s, expected %s"
                     % (fmt(t), fmt(degree), fmt(self.expect_degree)))
            self.stats["degree"].append(degree)

        # --- the exact solution -----------------------------------------------------------
        if self.exact is not None:
            ue = self.exact(pts[:, 0], pts[:, 1], pts[:, 2], t)
            err = float(np.sqrt(((u - ue) ** 2).sum(axis=1)).max())
            e_csv = self.col("error_linf", j)
            if not (close(err, e_csv) or abs(err - e_csv) <= 1e-14):
                fail("t=%s: max |u - u_exact| over the frame's points is %s, energy.csv error_linf "
                     "is %s (relative %.3g)" % (fmt(t), fmt(err), fmt(e_csv), abs(err - e_csv) / max(err, e_csv)))
            self.stats["error_linf"].append((t, err))
            self.stats["error_diff"] = max(self.stats["error_diff"], abs(err - e_csv))


def check_map_run(series, header, columns, config, args, times, entries, simple):
    """The harmonic-map specific checks before the per-frame loop; returns the image reader."""
    if set(series) != {"image"}:
        fail("a harmonic-map run must have exactly one further series <name>_image.pvd, found %r"
             % sorted(series))
    target = (config.get("target") or {}).get("kind", "sphere")
    sphere = target == "sphere"
    need = list(MAP_COLUMNS)
    # Maps into S^2 (not S^1) report the covered area, and the degree where it is defined.
    initial_u = (config.get("initial") or {}).get("u")
    if sphere and isinstance(initial_u, list) and len(initial_u) == 3:
        need.append("covered_area")
    if "degree" in header:
        need.append("covered_area")
    if args.expect_degree is not None:
        need += ["covered_area", "degree"]
    if args.exact:
        need += ["error_linf", "error_l2"]
    missing_cols = [c for c in need if c not in header]
    if missing_cols:
        fail("energy.csv lacks the harmonic-map column(s) %r (header %r)" % (missing_cols, header))
    image_pvd = series["image"]
    image_entries = read_pvd_files(image_pvd)
    if [t for t, _ in image_entries] != [t for t, _ in entries]:
        fail("%s lists times %r, the main .pvd %r" % (os.path.basename(image_pvd),
             [t for t, _ in image_entries], [t for t, _ in entries]))
    image, itimes = open_series(image_pvd, simple)
    if itimes != times:
        fail("the image series has %d time steps %r, the main series %d %r"
             % (len(itimes), itimes, len(times), times))
    check_standalone_frames(sorted(image_entries), simple)
    return image, sphere


# ---------------------------------------------------------------------------------------------
# Discrete Ricci flow
# ---------------------------------------------------------------------------------------------

def cell_arrays(data, spec, ncells, t, what, ns):
    """Cell arrays (name, components): present, Float64, one tuple per cell, finite."""
    return data_arrays(data.GetCellData(), "cell", spec, ncells, t, what, ns)


def bits(a):
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


def same_triangles(tri, other, t, what):
    if other.shape != tri.shape or not np.array_equal(other, tri):
        bad = [c for c in range(min(len(tri), len(other))) if not np.array_equal(tri[c], other[c])]
        fail("t=%s: %s triangles differ from the main frame's (%d vs %d cells, first difference "
             "at cell %s)" % (fmt(t), what, len(other), len(tri), bad[0] if bad else "-"))


def boundary_vertices(tri):
    """Vertices on an edge that only one triangle has."""
    e = np.sort(np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [2, 0]]]), axis=1)
    uniq, count = np.unique(e, axis=0, return_counts=True)
    return np.unique(uniq[count == 1].ravel())


def corner_angles(p, tri):
    """(T, 3) interior angles of the triangles of the points p at their three corners."""
    ang = np.empty(tri.shape)
    for c in range(3):
        a, b, d = p[tri[:, c]], p[tri[:, (c + 1) % 3]], p[tri[:, (c + 2) % 3]]
        e1, e2 = b - a, d - a
        ang[:, c] = np.arctan2(np.linalg.norm(np.cross(e1, e2), axis=1), np.einsum("ij,ij->i", e1, e2))
    return ang


RICCI_ARRAYS = (("u", 1), ("K", 1), ("uv", 3))
RICCI_TORUS_ARRAYS = (("u", 1), ("K", 1))
RICCI_CELL_ARRAYS = (("angle_distortion", 1), ("area_distortion", 1), ("qc_distortion", 1))
RICCI_COLUMNS = ("curvature_error", "angle_distortion_max")
CURVATURE_TOL = 1e-10   # the last energy.csv curvature_error
SPHERE_UNIT_TOL = 1e-12  # | |p| - 1 | of the sphere frame points
SOLID_TOL = 1e-9        # sum of the signed solid angles of the sphere frame against 4 pi


class RicciChecks:
    """Per-frame checks of a discrete-ricci run: the main frame (the input's points and
    triangles, u, K, uv and the distortion cell arrays), the `_overlay` frame (the common
    subdivision with its map), and the `_layout` or `_sphere` frame (the overlay at its images)."""

    def __init__(self, readers, columns, last_t, sm, ns, torus=None):
        self.overlay = readers.get("overlay")
        self.layout = readers.get("layout")
        self.sphere = readers.get("sphere")
        self.torus = torus
        self.columns = columns
        self.last_t = last_t
        self.sm = sm
        self.ns = ns
        self.points0 = None
        self.stats = {"min_area": None, "angle_max_rel": 0.0, "sphere_unit": 0.0, "solid": None,
                      "sphere_pts": 0, "sphere_tris": 0, "overlay_pts": 0, "overlay_tris": 0,
                      "uv_dev": 0.0}

    def __call__(self, t, j, data, kind, pts, vals, fields):
        ns = self.ns
        what = "frame"
        if kind != "vtkUnstructuredGrid":
            fail("t=%s: a discrete-ricci frame must be a vtkUnstructuredGrid, got %s" % (fmt(t), kind))
        tri = triangles_of(data, kind, ns)
        with_uv = "uv" in vals
        uv = vals["uv"].reshape(-1, 3) if with_uv else None
        # The main frame keeps the original 3-D points in every frame.
        if self.points0 is None:
            self.points0 = pts.copy()
        elif not np.array_equal(bits(pts), bits(self.points0)):
            p = int(np.argmax((bits(pts) != bits(self.points0)).any(axis=1)))
            fail("t=%s: main frame point %d is %r, the first frame's %r: not the original points"
                 % (fmt(t), p, [fmt(x) for x in pts[p]], [fmt(x) for x in self.points0[p]]))
        if with_uv and (uv[:, 2] != 0.0).any():
            p = int(np.argmax(uv[:, 2] != 0.0))
            fail("t=%s: uv has z = %s at point %d, expected 0" % (fmt(t), fmt(uv[p, 2]), p))
        cells = cell_arrays(data, RICCI_CELL_ARRAYS, len(tri), t, what, ns)
        a_csv = self.columns["angle_distortion_max"][j]
        a_max = float(cells["angle_distortion"].max())
        if not close(a_max, a_csv):
            fail("t=%s: max of the cell array angle_distortion is %s, energy.csv angle_distortion_max "
                 "is %s" % (fmt(t), fmt(a_max), fmt(a_csv)))
        if a_max != a_csv:
            self.stats["angle_max_rel"] = max(self.stats["angle_max_rel"],
                                              abs(a_max - a_csv) / max(abs(a_max), abs(a_csv)))
        last = t == self.last_t
        if self.overlay is None:
            if last:
                fail("t=%s: no _overlay series: the map back onto the input is missing" % fmt(t))
            return
        # --- the overlay: points on the input, its map, vertex ids ----------------------------
        ov = fetch(self.overlay, t, self.sm, "overlay frame")
        onpts, _ = shape_of(ov, "vtkUnstructuredGrid", t, "overlay frame")
        otri = triangles_of(ov, "vtkUnstructuredGrid", ns)
        op = points_of(ov, t, "overlay frame", ns)
        oa = point_arrays(ov, (("map", 3), ("vertex_id", 1)), onpts, t, "overlay frame", ns)
        image = oa["map"].reshape(-1, 3)
        vid = oa["vertex_id"]
        self.stats["overlay_pts"], self.stats["overlay_tris"] = onpts, len(otri)
        at = np.nonzero(vid >= 0)[0]
        ids = vid[at].astype(int)
        if not np.array_equal(bits(op[at]), bits(pts[ids])):
            k = int(np.argmax((bits(op[at]) != bits(pts[ids])).any(axis=1)))
            fail("t=%s: overlay point %d (vertex %d) is not the main frame's point" % (fmt(t), at[k], ids[k]))
        if with_uv:
            scale = max(float(np.abs(uv[:, :2]).max()), 1e-300)
            dev = float(np.abs(image[at] - uv[ids]).max()) / scale
            if dev > 1e-12:
                fail("t=%s: the overlay's map at the input vertices differs from uv by %.3g of the "
                     "layout size" % (fmt(t), dev))
            self.stats["uv_dev"] = max(self.stats["uv_dev"], dev)
        # --- the layout or sphere frame: the overlay at its images ----------------------------
        for reader, name in ((self.layout, "layout"), (self.sphere, "sphere")):
            if reader is None:
                continue
            fr = fetch(reader, t, self.sm, name + " frame")
            fnpts, _ = shape_of(fr, "vtkUnstructuredGrid", t, name + " frame")
            if fnpts != onpts:
                fail("t=%s: the %s frame has %d points, the overlay %d" % (fmt(t), name, fnpts, onpts))
            same_triangles(otri, triangles_of(fr, "vtkUnstructuredGrid", ns), t, name + " frame")
            fp = points_of(fr, t, name + " frame", ns)
            if not np.array_equal(bits(fp), bits(image)):
                fail("t=%s: %s frame points are not the overlay's map" % (fmt(t), name))
            for fname, v in zip(FIELD_ARRAYS, fields):
                if field_scalar(fr, fname, t) != v:
                    fail("t=%s: %s frame FieldData %s differs from the main frame's" % (fmt(t), name, fname))
            if name == "layout":
                if (fp[:, 2] != 0.0).any():
                    fail("t=%s: layout point %d has z != 0" % (fmt(t), int(np.argmax(fp[:, 2] != 0.0))))
                if last:
                    e1 = fp[otri[:, 1]] - fp[otri[:, 0]]
                    e2 = fp[otri[:, 2]] - fp[otri[:, 0]]
                    area = 0.5 * (e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0])
                    if not (area > 0.0).all():
                        k = int(np.argmin(area))
                        fail("t=%s: layout triangle %d has signed area %s (%d of %d not positive): the "
                             "map is not bijective" % (fmt(t), k, fmt(area[k]), int((area <= 0.0).sum()),
                                                       len(otri)))
                    self.stats["min_area"] = float(area.min())
            else:
                self.check_sphere(t, fp, otri, last)
        if last:
            ce = self.columns["curvature_error"][j]
            if not ce < CURVATURE_TOL:
                fail("t=%s: the last energy.csv curvature_error is %s, expected < %g" % (fmt(t), fmt(ce), CURVATURE_TOL))
            self.stats["curvature_error"] = ce

    def check_sphere(self, t, p, stri, last):
        """Every frame: all points on the unit sphere. The last (converged) frame also:
        positively oriented triangles covering the sphere once."""
        dev = np.abs(np.linalg.norm(p, axis=1) - 1.0)
        if dev.max() > SPHERE_UNIT_TOL:
            q = int(np.argmax(dev))
            fail("t=%s: sphere frame point %d has norm %s, not 1 (tolerance %g)"
                 % (fmt(t), q, fmt(np.linalg.norm(p[q])), SPHERE_UNIT_TOL))
        self.stats["sphere_unit"] = max(self.stats["sphere_unit"], float(dev.max()))
        self.stats["sphere_pts"], self.stats["sphere_tris"] = len(p), len(stri)
        if not last:
            return
        a, b, c = p[stri[:, 0]], p[stri[:, 1]], p[stri[:, 2]]
        det = np.einsum("ij,ij->i", a, np.cross(b - a, c - a))
        if not (det > 0.0).all():
            k = int(np.argmin(det))
            fail("t=%s: sphere frame triangle %d %r has det(p_a, p_b, p_c) = %s: not positively "
                 "oriented (%d of %d)" % (fmt(t), k, stri[k].tolist(), fmt(det[k]),
                                           int((det <= 0.0).sum()), len(stri)))
        num = det
        den = 1.0 + np.einsum("ij,ij->i", a, b) + np.einsum("ij,ij->i", b, c) + np.einsum("ij,ij->i", c, a)
        total = math.fsum(2.0 * np.arctan2(num, den))
        if abs(total - 4.0 * math.pi) > SOLID_TOL:
            fail("t=%s: the signed solid angles of the sphere frame sum to %s, expected 4 pi = %s"
                 % (fmt(t), fmt(total), fmt(4.0 * math.pi)))
        self.stats["solid"] = total - 4.0 * math.pi


def out_sphere_summary(pvd, st):
    out("  sphere series: %s, %d points (%d triangles), max | |p| - 1 | %.3g, last frame: all triangles "
        "positively oriented, solid angles sum - 4 pi = %.3g"
        % (os.path.basename(pvd), st["sphere_pts"], st["sphere_tris"], st["sphere_unit"], st["solid"]))


def read_torus_modulus(run_dir):
    """The modulus (re, im) from events.log's `modulus tau = A + Bi` line, or None (not a
    flat torus run)."""
    path = os.path.join(run_dir, "events.log")
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        for line in f:
            m = re.search(r"modulus tau = (-?[0-9.]+) \+ ([0-9.]+)i", line)
            if m:
                return float(m.group(1)), float(m.group(2))
    return None


def check_ricci_run(series, header, times, entries, simple, layout):
    """The discrete-ricci specific checks before the per-frame loop; returns the readers of the
    further series by name. `layout`: whether the run writes its layout (config.toml
    discrete_ricci.layout)."""
    allowed = {"overlay", "intrinsic", "sphere"} | ({"layout"} if layout else set())
    if not set(series) <= allowed or "overlay" not in series:
        fail("a discrete-ricci run must have the further series <name>_overlay.pvd and only %r "
             "besides, found %r" % (sorted(allowed), sorted(series)))
    missing_cols = [c for c in RICCI_COLUMNS if c not in header]
    if missing_cols:
        fail("energy.csv lacks the discrete-ricci column(s) %r (header %r)" % (missing_cols, header))
    readers = {}
    for name in sorted(series):
        pvd = series[name]
        e = read_pvd_files(pvd)
        if [t for t, _ in e] != [t for t, _ in entries]:
            fail("%s lists times %r, the main .pvd %r" % (os.path.basename(pvd), [t for t, _ in e],
                 [t for t, _ in entries]))
        r, ts = open_series(pvd, simple)
        if ts != times:
            fail("the %s series has %d time steps %r, the main series %d %r"
                 % (name, len(ts), ts, len(times), times))
        check_standalone_frames(sorted(e), simple)
        readers[name] = r
    return readers


def sm_fetch(reader):
    from paraview import servermanager as sm
    return sm.Fetch(reader)


def render(reader, t, png, simple, title):
    reader.UpdatePipeline(t)
    view = simple.CreateView("RenderView")
    view.ViewSize = [1024, 768]
    view.ViewTime = t
    view.OrientationAxesVisibility = 1
    # ParaView 5.11: the colour palette overrides Background unless told otherwise.
    if hasattr(view, "UseColorPaletteForBackground"):
        view.UseColorPaletteForBackground = 0
    if hasattr(view, "BackgroundColorMode"):
        view.BackgroundColorMode = "Gradient"
    view.Background = [1.0, 1.0, 1.0]
    if hasattr(view, "Background2"):
        view.Background2 = [0.82, 0.86, 0.92]
    view.OrientationAxesLabelColor = [0.1, 0.1, 0.1]

    # A structured grid has no normals: shade smoothly through surface normals.
    surf = simple.ExtractSurface(Input=reader)
    smooth = simple.GenerateSurfaceNormals(Input=surf)
    disp = simple.Show(smooth, view)
    disp.SetRepresentationType("Surface")
    data = sm_fetch(reader)
    pd = data.GetPointData()
    # A scalar u (graphs), else the curvature (surfaces) or the energy density (maps, images).
    field = next(f for f in ("u", "mean_curvature", "energy_density", None)
                 if f is None or (pd.GetArray(f) is not None and pd.GetArray(f).GetNumberOfComponents() == 1))
    if field is None:
        fail("render: the frame has none of the scalar point arrays u, mean_curvature, energy_density")
    simple.ColorBy(disp, ("POINTS", field))
    lut = simple.GetColorTransferFunction(field)
    lut.ApplyPreset("Viridis (matplotlib)", True)
    disp.RescaleTransferFunctionToDataRange(False, True)
    disp.Specular = 0.1
    disp.Ambient = 0.2
    disp.Diffuse = 0.85
    disp.SpecularPower = 30.0
    disp.SetScalarBarVisibility(view, True)
    bar = simple.GetScalarBar(lut, view)
    bar.Title = field
    bar.ComponentTitle = ""
    bar.TitleColor = [0.1, 0.1, 0.1]
    bar.LabelColor = [0.1, 0.1, 0.1]
    bar.TitleFontSize = 20
    bar.LabelFontSize = 16
    bar.ScalarBarLength = 0.4
    bar.WindowLocation = "Any Location"
    bar.Position = [0.88, 0.08]
    bar.Orientation = "Vertical"
    bar.HorizontalTitle = 1
    bar.RangeLabelFormat = "%-#.3g"

    # Light outline of the bounding box to give the flat parts a frame of reference.
    outline = simple.Outline(Input=reader)
    od = simple.Show(outline, view)
    od.AmbientColor = od.DiffuseColor = [0.55, 0.55, 0.6]
    od.LineWidth = 1.0

    text = simple.Text(Text="%s   t = %.6g" % (title, t))
    td = simple.Show(text, view)
    td.WindowLocation = "Upper Left Corner"
    td.Color = [0.1, 0.1, 0.1]
    td.FontSize = 18

    # Camera: above the surface, looking down at about 40 degrees from the horizontal, rotated
    # 30 degrees about the vertical so both in-plane directions read.
    b = reader.GetDataInformation().GetBounds()
    cx, cy, cz = (b[0] + b[1]) / 2, (b[2] + b[3]) / 2, (b[4] + b[5]) / 2
    span = max(b[1] - b[0], b[3] - b[2], b[5] - b[4], 1e-12)
    elev, azim = math.radians(40.0), math.radians(-60.0)
    dist = 2.4 * span
    view.CameraFocalPoint = [cx, cy, cz]
    view.CameraPosition = [cx + dist * math.cos(elev) * math.cos(azim),
                           cy + dist * math.cos(elev) * math.sin(azim),
                           cz + dist * math.sin(elev)]
    view.CameraViewUp = [0.0, 0.0, 1.0]
    view.CameraViewAngle = 30.0
    simple.Render(view)
    view.ResetCamera(False)
    cam = view.GetActiveCamera()
    cam.Zoom(0.95)
    simple.Render(view)
    simple.SaveScreenshot(png, view, ImageResolution=[1024, 768])
    if not os.path.isfile(png) or os.path.getsize(png) == 0:
        fail("SaveScreenshot wrote nothing to %s" % png)
    simple.Delete(view)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_dir")
    ap.add_argument("--render", metavar="OUT.png", help="also render the last time step to OUT.png (needs X)")
    ap.add_argument("--series", metavar="NAME", help="render the series <name>_NAME.pvd (e.g. image) "
                    "instead of the main one")
    ap.add_argument("--expect-degree", type=float, metavar="D",
                    help="harmonic maps into S^2: the degree (from the image and in energy.csv) must be D")
    ap.add_argument("--exact", choices=sorted(EXACT),
                    help="harmonic maps: compare u with this exact solution and energy.csv's error_linf")
    args = ap.parse_args()

    run_dir = os.path.abspath(args.run_dir)
    if args.render and not os.environ.get("DISPLAY"):
        fail("--render needs an X display (Debian's ParaView is GLX-only); run under "
             "xvfb-run -a -s \"-screen 0 1024x768x24\" pvbatch %s ..." % sys.argv[0])
    pvd, series = find_pvds(run_dir)
    config = read_config(run_dir)
    harmonic = config.get("flow") == "harmonic-map"
    ricci = config.get("flow") == "discrete-ricci"
    if "name" in config and os.path.basename(pvd) != config["name"] + ".pvd":
        fail("the main series is %s, config.toml names the run %r" % (os.path.basename(pvd), config["name"]))
    if not harmonic and not ricci:
        if series:
            fail("expected exactly one .pvd at the top of %r (flow %r), also found %r"
                 % (run_dir, config.get("flow"), sorted(os.path.basename(p) for p in series.values())))
    if not harmonic:
        if args.expect_degree is not None or args.exact:
            fail("--expect-degree and --exact apply to harmonic-map runs; config.toml says flow=%r"
                 % config.get("flow"))
    if args.series and args.series not in series:
        fail("--series %s: no %s_%s.pvd in %r" % (args.series, os.path.basename(pvd)[:-4], args.series, run_dir))
    rows, header, columns = read_energy_csv(run_dir)
    entries = read_pvd_files(pvd)

    from paraview import simple
    from paraview import servermanager as sm
    from vtkmodules.util import numpy_support as ns

    reader, times = open_series(pvd, simple)
    if len(times) != len(entries):
        fail("PVDReader reports %d time steps, the .pvd lists %d DataSets" % (len(times), len(entries)))
    if not close(times[0], rows[0][1]):
        fail("first time step %s differs from energy.csv's first time %s (step %d)"
             % (fmt(times[0]), fmt(rows[0][1]), rows[0][0]))
    if not close(times[-1], rows[-1][1]):
        fail("last time step %s differs from energy.csv's last time %s (step %d)"
             % (fmt(times[-1]), fmt(rows[-1][1]), rows[-1][0]))

    checks = None
    if harmonic:
        image, sphere = check_map_run(series, header, columns, config, args, times, entries, simple)
        checks = MapChecks(image, columns, sphere, EXACT.get(args.exact), args.expect_degree, sm, ns)
    elif ricci:
        wants_layout = config.get("discrete_ricci", {}).get("layout", True)
        readers = check_ricci_run(series, header, times, entries, simple, wants_layout)
        torus = read_torus_modulus(run_dir)
        checks = RicciChecks(readers, columns, times[-1], sm, ns, torus)
    ricci_arrays = None
    if ricci:
        with_uv = checks.torus is None and checks.layout is not None
        ricci_arrays = RICCI_ARRAYS if with_uv else RICCI_TORUS_ARRAYS
    matched, (npts, dims) = check_frames(reader, times, rows, sm, ns, harmonic, checks, ricci_arrays)
    check_standalone_frames(sorted(entries), simple)
    cols = check_global_plot(reader, matched, simple, sm, ns)

    out("check_run.py: OK %s" % pvd)
    shape = "%dx%d grid" % (dims[0], dims[1]) if dims[1] else "%d triangles" % dims[0]
    out("  frames: %d (steps %d..%d of %d in energy.csv), %d points each (%s)"
        % (len(times), matched[0][1], matched[-1][1], len(rows), npts, shape))
    out("  time:   %s -> %s" % (fmt(times[0]), fmt(times[-1])))
    out("  energy: %.10g -> %.10g" % (matched[0][2], matched[-1][2]))
    out("  PlotGlobalVariablesOverTime columns: %s" % ", ".join(cols))
    if ricci:
        st = checks.stats
        out("  overlay series: %s, %d points, %d triangles in the last frame; input vertices at the "
            "main frame's points%s" % (os.path.basename(series["overlay"]), st["overlay_pts"],
                                       st["overlay_tris"],
                                       ", map == uv (max %.3g of the layout size)" % st["uv_dev"]
                                       if checks.layout is not None and checks.torus is None else ""))
        out("  angle_distortion_max == max of the cell array: max relative difference %.3g"
            % st["angle_max_rel"])
        if checks.layout is None:
            out("  no layout series (layout = false)")
        elif checks.torus is not None:
            out("  torus layout series: %s, points == the overlay's map; last frame: bijective, min "
                "signed area %.3g; tau = %.6f + %.6fi in events.log"
                % (os.path.basename(series["layout"]), st["min_area"], checks.torus[0], checks.torus[1]))
        else:
            out("  layout series: %s, points == the overlay's map; last frame: bijective, min signed "
                "area %.3g" % (os.path.basename(series["layout"]), st["min_area"]))
        out("  last energy.csv curvature_error: %.3g" % st["curvature_error"])
        if "sphere" in series:
            out_sphere_summary(series["sphere"], st)
    elif checks is not None:
        st = checks.stats
        out("  image series: %s, %d frames at the same times, points == u bitwise"
            % (os.path.basename(series["image"]), len(times)))
        if sphere:
            out("  max | |u| - 1 |: %.3g" % st["unit"])
        out("  energy.csv constraint_error: %.3g -> %.3g (= max of the point array)"
            % (st["constraint"][0], st["constraint"][-1]))
        if st["energy_rel"] is not None:
            out("  cotan energy recomputed: max relative difference %.3g" % st["energy_rel"])
        out("  sum mass * energy_density vs energy: max relative difference %.3g" % st["density_rel"])
        if st["degree"]:
            out("  degree from the image: %.12f -> %.12f" % (st["degree"][0], st["degree"][-1]))
        if st["error_linf"]:
            out("  error_linf vs %s: %.6g at t=%s (recomputed), max |diff| %.3g"
                % (args.exact, st["error_linf"][-1][1], fmt(st["error_linf"][-1][0]), st["error_diff"]))

    if args.render:
        png = os.path.abspath(args.render)
        shown, path = reader, pvd
        if args.series:
            path = series[args.series]
            shown = simple.OpenDataFile(path)
        render(shown, times[-1], png, simple, os.path.splitext(os.path.basename(path))[0])
        out("  rendered %s t=%s to %s (%d bytes)"
            % (os.path.basename(path), fmt(times[-1]), png, os.path.getsize(png)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

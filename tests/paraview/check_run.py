"""Check a geoflow run directory with ParaView itself (and optionally render it).

Usage:
    pvpython tests/paraview/check_run.py RUN_DIR
    xvfb-run -a -s "-screen 0 1024x768x24" pvbatch tests/paraview/check_run.py RUN_DIR --render OUT.png

RUN_DIR must hold exactly one `<name>.pvd` (frames `frames/<name>_NNNNNN.vts`) and `energy.csv`
(columns at least step,time,dt,energy; one row per time step, step 0 = initial state).

Checks, all through ParaView's own readers and filters:
  * the .pvd opens with PVDReader; its TimestepValues are strictly increasing, each equals the
    `time` of a row of energy.csv (relative tolerance 1e-12), the first equals the first row's
    time and the last the last row's time;
  * for every time step (UpdatePipeline(t) + servermanager.Fetch): point arrays u,
    normal_velocity, mean_curvature exist, are scalar Float64, have one value per point and are
    finite; all points are finite, their count equals the structured dimensions and is the same in
    every frame; the point z-coordinate equals u; FieldData TimeValue == t, and Energy and Step
    equal the energy.csv row of that time;
  * the first and last frame opened alone (without the .pvd) report their TimeValue as their time;
  * PlotGlobalVariablesOverTime on the reader gives one row per time step with an Energy column
    matching energy.csv.

Exits 0 on success, 1 with a message naming the check (and the time) on failure, 2 on bad usage.
Output goes through os.write: pvpython routes `print` through VTK's output window.
"""

import argparse
import bisect
import csv
import math
import os
import sys
import xml.etree.ElementTree as ET

import numpy as np

REL_TOL = 1e-12
# Point arrays by dataset type: graph flows write structured grids of the surface (x, y, u);
# surface flows write unstructured grids of triangles.
POINT_ARRAYS = {
    "vtkStructuredGrid": ("u", "normal_velocity", "mean_curvature"),
    "vtkUnstructuredGrid": ("mean_curvature", "normal_velocity", "gaussian_curvature"),
}
FIELD_ARRAYS = ("TimeValue", "Energy", "Step")


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

def find_pvd(run_dir):
    if not os.path.isdir(run_dir):
        fail("run directory %r does not exist" % run_dir)
    pvds = sorted(f for f in os.listdir(run_dir) if f.endswith(".pvd"))
    if len(pvds) != 1:
        fail("expected exactly one .pvd at the top of %r, found %d: %r" % (run_dir, len(pvds), pvds))
    return os.path.join(run_dir, pvds[0])


def read_energy_csv(run_dir):
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
        idx = {c: header.index(c) for c in ("step", "time", "dt", "energy")}
        rows = []
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
    return rows


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


def check_frames(reader, times, rows, sm, ns):
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

        reader.UpdatePipeline(t)
        data = sm.Fetch(reader)
        if data is None:
            fail("t=%s: Fetch returned nothing" % fmt(t))
        if data.IsA("vtkMultiBlockDataSet"):
            fail("t=%s: expected a single dataset, got %s" % (fmt(t), data.GetClassName()))
        kind = next((k for k in POINT_ARRAYS if data.IsA(k)), None)
        if kind is None:
            fail("t=%s: expected one of %s, got %s" % (fmt(t), ", ".join(POINT_ARRAYS), data.GetClassName()))

        npts = data.GetNumberOfPoints()
        if npts <= 0:
            fail("t=%s: frame has no points" % fmt(t))
        if kind == "vtkStructuredGrid":
            dims = [0, 0, 0]
            data.GetDimensions(dims)
            if npts != dims[0] * dims[1] * dims[2]:
                fail("t=%s: %d points but structured dimensions %r" % (fmt(t), npts, dims))
        else:
            ncells = data.GetNumberOfCells()
            if ncells <= 0:
                fail("t=%s: frame has no cells" % fmt(t))
            for c in range(ncells):
                if data.GetCellType(c) != 5:
                    fail("t=%s: cell %d has VTK type %d, expected 5 (triangle)" % (fmt(t), c, data.GetCellType(c)))
            dims = [ncells, 0, 0]
        if npts_ref is None:
            npts_ref = (npts, tuple(dims))
        elif (npts, tuple(dims)) != npts_ref:
            fail("t=%s: %d points, dims %r; first frame had %d points, dims %r"
                 % (fmt(t), npts, dims, npts_ref[0], npts_ref[1]))

        pd = data.GetPointData()
        vals = {}
        for name in POINT_ARRAYS[kind]:
            arr = pd.GetArray(name)
            if arr is None:
                present = [pd.GetArrayName(i) for i in range(pd.GetNumberOfArrays())]
                fail("t=%s: point array %r missing (present: %r)" % (fmt(t), name, present))
            if arr.GetNumberOfComponents() != 1:
                fail("t=%s: point array %r has %d components, expected 1"
                     % (fmt(t), name, arr.GetNumberOfComponents()))
            if arr.GetNumberOfTuples() != npts:
                fail("t=%s: point array %r has %d values for %d points"
                     % (fmt(t), name, arr.GetNumberOfTuples(), npts))
            if arr.GetDataTypeAsString() != "double":
                fail("t=%s: point array %r is %s, expected Float64 (double)"
                     % (fmt(t), name, arr.GetDataTypeAsString()))
            a = ns.vtk_to_numpy(arr)
            bad = ~np.isfinite(a)
            if bad.any():
                fail("t=%s: point array %r has %d non-finite values (first at point %d)"
                     % (fmt(t), name, int(bad.sum()), int(np.argmax(bad))))
            vals[name] = a

        pts = ns.vtk_to_numpy(data.GetPoints().GetData())
        if not np.isfinite(pts).all():
            fail("t=%s: non-finite point coordinates" % fmt(t))
        if "u" in vals:
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
    field = "u" if data.GetPointData().GetArray("u") is not None else "mean_curvature"
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
    args = ap.parse_args()

    run_dir = os.path.abspath(args.run_dir)
    if args.render and not os.environ.get("DISPLAY"):
        fail("--render needs an X display (Debian's ParaView is GLX-only); run under "
             "xvfb-run -a -s \"-screen 0 1024x768x24\" pvbatch %s ..." % sys.argv[0])
    pvd = find_pvd(run_dir)
    rows = read_energy_csv(run_dir)
    entries = read_pvd_files(pvd)

    from paraview import simple
    from paraview import servermanager as sm
    from vtkmodules.util import numpy_support as ns

    reader = simple.OpenDataFile(pvd)
    if reader is None:
        fail("ParaView cannot open %s" % pvd)
    if reader.GetXMLName() != "PVDReader":
        fail("%s opened with %s, expected PVDReader" % (pvd, reader.GetXMLName()))
    times = as_list(reader.TimestepValues)
    if not times:
        fail("PVDReader reports no TimestepValues for %s" % pvd)
    if len(times) != len(entries):
        fail("PVDReader reports %d time steps, the .pvd lists %d DataSets" % (len(times), len(entries)))
    for k, (a, b) in enumerate(zip(times, times[1:])):
        if not b > a:
            fail("TimestepValues not strictly increasing at index %d: %s then %s" % (k, fmt(a), fmt(b)))
    if not close(times[0], rows[0][1]):
        fail("first time step %s differs from energy.csv's first time %s (step %d)"
             % (fmt(times[0]), fmt(rows[0][1]), rows[0][0]))
    if not close(times[-1], rows[-1][1]):
        fail("last time step %s differs from energy.csv's last time %s (step %d)"
             % (fmt(times[-1]), fmt(rows[-1][1]), rows[-1][0]))

    matched, (npts, dims) = check_frames(reader, times, rows, sm, ns)
    check_standalone_frames(sorted(entries), simple)
    cols = check_global_plot(reader, matched, simple, sm, ns)

    out("check_run.py: OK %s" % pvd)
    shape = "%dx%d grid" % (dims[0], dims[1]) if dims[1] else "%d triangles" % dims[0]
    out("  frames: %d (steps %d..%d of %d in energy.csv), %d points each (%s)"
        % (len(times), matched[0][1], matched[-1][1], len(rows), npts, shape))
    out("  time:   %s -> %s" % (fmt(times[0]), fmt(times[-1])))
    out("  energy: %.10g -> %.10g" % (matched[0][2], matched[-1][2]))
    out("  PlotGlobalVariablesOverTime columns: %s" % ", ".join(cols))

    if args.render:
        png = os.path.abspath(args.render)
        render(reader, times[-1], png, simple, os.path.splitext(os.path.basename(pvd))[0])
        out("  rendered t=%s to %s (%d bytes)" % (fmt(times[-1]), png, os.path.getsize(png)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
